import DarkroomSync
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// A device whose signature on this request verified (its nonce recorded, its rate limits counted).
public struct RelayMember: Sendable, Equatable {
    /// The signing device.
    public let device: DeviceID
    /// False for a device the library revoked (let through only to read the signed membership versions).
    public let active: Bool
}

/// The relay's contexts: Hummingbird's core context and the exchange record the routes fill in.
protocol RelayExchangeContext: RequestContext {
    /// What the answering route recorded, for metrics and logs.
    var exchange: NIOLockedValueBox<RelayExchange> { get }
    /// The library of the path, once the authentication middleware read it.
    var library: LibraryID? { get }
}

extension RelayRequestContext: RelayExchangeContext {}

/// The context of a route only an active member may call (list, upload status, upload commit):
/// Hummingbird's child-context pattern. It is made only from a request the authentication
/// middleware verified, so a handler on it cannot run for anyone else.
struct MemberRequestContext: ChildRequestContext, RelayExchangeContext {
    typealias ParentContext = RelayRequestContext
    var coreContext: CoreRequestContextStorage
    let exchange: NIOLockedValueBox<RelayExchange>
    /// The verified, active signer.
    let member: RelayMember
    let library: LibraryID?

    init(context: RelayRequestContext) throws {
        guard let member = context.member else { throw RelayHTTPError.unauthorized("this request needs a member device's signature") }
        guard member.active else { throw RelayHTTPError.forbidden("device \(member.device) was revoked from this library") }
        self.coreContext = context.coreContext
        self.exchange = context.exchange
        self.member = member
        self.library = context.library
    }
}

/// Authenticates the library routes that carry no body (docs/relay.md, "Authentication without
/// accounts"): the signature headers, the device's membership, the timestamp window, the nonce
/// (recorded here) and the rate limits; the signer goes into the context. Reads by exact name
/// that need no signature (`recovery/…`), a joining device polling for its welcome, and a revoked
/// device reading `membership/…` are the only exceptions, decided by the object's name.
///
/// Requests with a body (`PUT` of an object or an upload part) are verified by their handlers:
/// the signature covers the body's hash, and a put records its nonce in the object's own
/// transaction (`RelayStorage.put`), so the check cannot run before the body is read.
struct RelayAuthenticationMiddleware: RouterMiddleware {
    typealias Context = RelayRequestContext
    let responder: RelayResponder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let library = try RelayResponder.library(context)
        var context = context
        context.library = library
        // The route's pattern (Hummingbird keeps it precomputed), not the path split again.
        let endpoint = context.endpointPath ?? ""
        if request.method == .get, endpoint.hasSuffix("/objects/**") { context.object = try? RelayResponder.objectName(RelayResponder.rest(context)) }
        guard let (policy, parsed) = try await policy(request, endpoint: endpoint, object: context.object?.kind, library: library,
                                                      context: context) else {
            return try await next(request, context)   // a handler that verifies itself, or answers 400/405
        }
        let signature = try parsed ?? responder.parseSignature(request)
        context.exchange.withLockedValue { $0.device = signature.device }
        let active = try await responder.verifyMember(signature, request: request, library: library, body: Data(),
                                                       allowingRevoked: policy == .memberOrRevoked)
        context.member = RelayMember(device: signature.device, active: active)
        return try await next(request, context)
    }

    /// Who may make this request.
    enum Policy { case member, memberOrRevoked }

    /// The policy for a body-less library request, with the signature when deciding needed it parsed, or nil when
    /// the handler decides (a body, an unsigned read by exact name, or a path the handler refuses).
    private func policy(_ request: Request, endpoint: String, object: SyncObjectName?, library: LibraryID,
                        context: Context) async throws -> (Policy, RelayRequestSignature?)? {
        switch request.method {
        case .get where endpoint.hasSuffix("/objects"), .get where endpoint.hasSuffix("/uploads/**"),
             .post where endpoint.hasSuffix("/uploads/**"):
            return (.member, nil)
        case .get where endpoint.hasSuffix("/objects/**"):
            guard let kind = object else { return nil }
            switch kind {
            case .recovery:
                return nil   // unsigned by exact name: the name is unguessable without the recovery words
            case .welcome(_, let device):
                // A joining device polling for its welcome before it is admitted: the welcome is written only after
                // the membership that admits it, so it cannot exist yet.
                let signature = try? responder.parseSignature(request)
                if let signature, signature.device == device, try await responder.storage.device(device, in: library) == nil {
                    context.exchange.withLockedValue { $0.device = device }
                    throw RelayHTTPError.notFound("no welcome for device \(device) yet: the library has not admitted it")
                }
                return (.member, signature)
            case .membership:
                return (.memberOrRevoked, nil)
            default:
                return (.member, nil)
            }
        default:
            return nil
        }
    }
}
