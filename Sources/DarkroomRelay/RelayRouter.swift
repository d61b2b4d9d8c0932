import DarkroomSync
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers

/// What one exchange did, for metrics and logs: filled in by the route that answers it.
struct RelayExchange: Sendable {
    var route = "unknown"
    var library: LibraryID?
    var device: DeviceID?
    var bytesIn = 0
    var bytesOut = 0
}

/// The relay's request context: Hummingbird's core context, and what the answering route
/// recorded about the exchange (read by ``RelayExchangeMiddleware`` once the route is done).
/// Public so that middleware given to ``RelayServer`` (a test's misbehaving relay) can name it.
public struct RelayRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    let exchange = NIOLockedValueBox(RelayExchange())
    /// The verified signer, set by ``RelayAuthenticationMiddleware`` (nil before it, and for requests it leaves to their handler).
    public internal(set) var member: RelayMember?
    /// The library of the path, once ``RelayAuthenticationMiddleware`` read it (the handler reads it otherwise).
    var library: LibraryID?
    /// The object named by a `GET objects/NAME` path, once the middleware parsed it to choose its policy.
    var object: (name: ObjectName, kind: SyncObjectName)?

    /// A context for a request from `source`.
    public init(source: Source) { coreContext = .init(source: source) }
}

/// Middleware that can run between the relay's error/metrics middleware and its routes.
public typealias RelayMiddleware = any MiddlewareProtocol<Request, Response, RelayRequestContext>

extension RelayResponder {
    /// The relay's routes (docs/relay.md, "API") on Hummingbird's `Router`, behind the middleware
    /// that renders errors and records metrics and logs, then `middleware` (none in production).
    func router(middleware: [RelayMiddleware] = []) -> Router<RelayRequestContext> {
        let router = Router(context: RelayRequestContext.self)
        // Every request at debug level (method and path; no headers: they carry signatures) through Hummingbird's
        // log middleware; refusals at info with the route, library and device, by the exchange middleware.
        router.add(middleware: LogRequestsMiddleware(.debug, includeHeaders: .none))
        router.add(middleware: RelayExchangeMiddleware(metrics: metrics, logger: logger))
        for extra in middleware { router.add(middleware: extra) }
        router.get("healthz") { _, context in
            context.exchange.withLockedValue { $0.route = "healthz" }
            return Self.text("ok\n")
        }
        router.get("metrics") { [metrics] _, context in
            context.exchange.withLockedValue { $0.route = "metrics" }
            return Self.text(metrics.exposition(), contentType: "text/plain; version=0.0.4")
        }
        let library = router.group("v1/libraries/:library").add(middleware: RelayAuthenticationMiddleware(responder: self))
        // Routes only an active member may call: their context exists only for a verified signer.
        let members = library.group(context: MemberRequestContext.self)
        members.get("objects") { request, context in
            try await answer(context, "list") { try await list(request, library: $1, for: context.member, &$0) }
        }
        library.put("objects/**") { request, context in
            try await answer(context, "put_object") { try await putObject(request, library: $1, name: try Self.objectName(Self.rest(context)), &$0) }
        }
        library.get("objects/**") { request, context in
            try await answer(context, "get_object") {
                try await getObject(request, library: $1, name: try context.object ?? Self.objectName(Self.rest(context)), member: context.member, &$0)
            }
        }
        members.get("uploads/**") { request, context in
            try await answer(context, "upload_status") { try await uploadStatus(request, library: $1, name: try Self.blobName(Self.rest(context)), for: context.member, &$0) }
        }
        library.put("uploads/**") { request, context in
            try await answer(context, "upload_part") { try await uploadPart(request, library: $1, name: try Self.blobName(Self.rest(context)), &$0) }
        }
        members.post("uploads/**") { request, context in
            try await answer(context, "upload_commit") { try await commitUpload(request, library: $1, name: try Self.blobName(Self.rest(context)), for: context.member, &$0) }
        }
        // The other methods on the API's paths: 405, not "no such endpoint".
        let refused: [(String, [HTTPRequest.Method])] = [
            ("objects", [.put, .post, .delete, .patch]), ("objects/**", [.post, .delete, .patch]), ("uploads/**", [.delete, .patch]),
        ]
        for (path, methods) in refused {
            for method in methods {
                library.on(RouterPath(path), method: method) { request, context -> Response in
                    throw RelayHTTPError(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path)")
                }
            }
        }
        return router
    }

    /// Runs a library route: parses the library id, lets the handler fill in the exchange, and
    /// leaves it in the context for the middleware, whether the handler answers or throws.
    private func answer(_ context: some RelayExchangeContext, _ route: String,
                        _ handler: (inout RelayExchange, LibraryID) async throws -> Response) async throws -> Response {
        var exchange = context.exchange.withLockedValue { $0 }   // the signer, when the middleware verified one
        exchange.route = route
        defer { context.exchange.withLockedValue { [exchange] in $0 = exchange } }
        let library = try context.library ?? Self.library(context)
        exchange.library = library
        return try await handler(&exchange, library)
    }

    /// The library id of the path.
    static func library(_ context: some RequestContext) throws -> LibraryID {
        let raw = context.parameters.get("library") ?? ""
        guard let library = LibraryID(rawValue: raw) else { throw RelayHTTPError.badRequest("\"\(raw)\" is not a library id") }
        return library
    }

    /// The object name after `objects/` or `uploads/`.
    static func rest(_ context: some RelayExchangeContext) -> String { context.parameters.getCatchAll().joined(separator: "/") }
}

/// Renders every error as the relay's JSON answer (``RelayHTTPError``; storage failures as 404,
/// 409, 401 or 503; anything else as 500), then records the exchange's metrics and log line.
struct RelayExchangeMiddleware: RouterMiddleware {
    typealias Context = RelayRequestContext
    let metrics: RelayMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = render(error, request: request, route: context.exchange.withLockedValue { $0.route })
        }
        let elapsed = ContinuousClock.now - start
        let exchange = context.exchange.withLockedValue { $0 }
        let bytesOut = exchange.bytesOut + (response.body.contentLength ?? 0)
        metrics.record(route: exchange.route, status: response.status.code, duration: elapsed, bytesIn: exchange.bytesIn, bytesOut: bytesOut)
        // Built only when the line is logged (the metadata arguments are autoclosures).
        func metadata() -> Logger.Metadata {
            [
                "method": "\(request.method)", "route": "\(exchange.route)", "status": "\(response.status.code)",
                "library": "\(exchange.library?.rawValue ?? "-")", "device": "\(exchange.device?.rawValue ?? "-")",
                "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
                "bytes_in": "\(exchange.bytesIn)",
            ]
        }
        if response.status.code >= 400 { logger.info("request refused", metadata: metadata()) }
        return response
    }

    private func render(_ error: any Error, request: Request, route: String) -> Response {
        switch error {
        case let error as RelayHTTPError:
            return error.response
        case let error as RelayStorageError:
            switch error {
            case .unknownLibrary: return RelayHTTPError.notFound(error.description).response
            case .staleMembership: return RelayHTTPError.conflict(error.description).response
            case .replayedNonce: return RelayHTTPError.unauthorized(error.description).response
            case .database, .badLocation:
                logger.error("storage failed", metadata: ["route": "\(route)", "error": "\(error)"])
                return RelayHTTPError(.serviceUnavailable, "the relay's storage is unavailable; try again shortly").response
            }
        case let error as HTTPError where error.status == .notFound:
            return RelayHTTPError.notFound("no such endpoint: \(request.uri.path) (see docs/relay.md)").response
        case let error as any HTTPResponseError:
            return RelayHTTPError(error.status, "\(error)").response
        default:
            logger.error("request failed", metadata: ["route": "\(route)", "error": "\(error)"])
            return RelayHTTPError(.internalServerError, "internal relay error").response
        }
    }
}
