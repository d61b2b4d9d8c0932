import DarkroomCrypto
import DarkroomRelay
import DarkroomSync
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// How a misbehaving relay treats readers, so tests can check that devices detect a dishonest
/// server. The stored data is left intact.
enum RelayAdversaryMode: Sendable, Equatable {
    /// Never list or serve this object.
    case drop(ObjectName)
    /// List `as` on the first page (from the start) and serve the bytes of `of` under it.
    case replay(of: ObjectName, as: ObjectName)
    /// Hide every object whose name starts with `prefix` and sorts at or after `from`.
    case withhold(prefix: String, from: ObjectName)

    /// Whether this mode hides `name` from readers.
    func hides(_ name: ObjectName) -> Bool {
        switch self {
        case .drop(let n): return n == name
        case .withhold(let prefix, let from): return name.rawValue.hasPrefix(prefix) && name >= from
        case .replay: return false
        }
    }
}

/// A dishonest relay, as middleware in front of the honest routes: it edits listings and
/// answers reads of objects it hides or fakes, the way a compromised server would (it has the
/// storage). Test code only; the relay program has no such switch.
struct RelayAdversaryMiddleware: RouterMiddleware {
    typealias Context = RelayRequestContext
    let storage: any RelayStorage
    let modes = NIOLockedValueBox<[RelayAdversaryMode]>([])

    /// Sets the misbehaviour; an empty list makes the relay honest again.
    func set(_ modes: [RelayAdversaryMode]) { self.modes.withLockedValue { $0 = modes } }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let modes = self.modes.withLockedValue { $0 }
        let parts = request.uri.path.split(separator: "/", maxSplits: 4).map(String.init)
        guard !modes.isEmpty, request.method == .get, parts.count >= 4, parts[0] == "v1", parts[1] == "libraries",
              let library = LibraryID(rawValue: parts[2]), parts[3] == "objects" || parts[3].hasPrefix("objects") else {
            return try await next(request, context)
        }
        if parts.count == 4 {
            return try await list(request, context: context, modes: modes, next: next)
        }
        guard let name = ObjectName(rawValue: parts[4]) else { return try await next(request, context) }
        if modes.contains(where: { $0.hides(name) }) { throw RelayHTTPError(.notFound, "no object \(name)") }
        for case .replay(let original, let injected) in modes where injected == name {
            guard let info = try await storage.info(original, in: library),
                  let chunk = try await storage.chunk(of: original, in: library, containing: 0) else { break }
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            headers[HTTPField.Name(RelayHeaders.objectSize)!] = String(info.size)
            headers[.eTag] = "\"\(ContentHash.hex([UInt8](info.digest)))\""
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: chunk.data)))
        }
        return try await next(request, context)
    }

    /// The honest listing page without the hidden names, and with the injected ones on the first page.
    private func list(_ request: Request, context: Context, modes: [RelayAdversaryMode],
                      next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard response.status == .ok else { return response }
        let collector = BodyCollector()
        try await response.body.write(collector)
        var page = try JSONDecoder().decode(RelayListingPage.self, from: Data(buffer: collector.bytes.withLockedValue { $0 }))
        page.names.removeAll { name in ObjectName(rawValue: name).map { name in modes.contains { $0.hides(name) } } ?? false }
        if (request.uri.queryParameters["after"].flatMap { Int($0) } ?? 0) == 0 {
            for case .replay(_, let injected) in modes { page.names.append(injected.rawValue) }
        }
        let bytes = try JSONEncoder().encode(page)
        response.headers[.contentLength] = String(bytes.count)
        response.body = ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        return response
    }
}

/// Collects a response body into a box that outlives the writer (which `ResponseBody.write` consumes).
private struct BodyCollector: ResponseBodyWriter {
    let bytes = NIOLockedValueBox(ByteBuffer())
    mutating func write(_ buffer: ByteBuffer) async throws { bytes.withLockedValue { var buffer = buffer; $0.writeBuffer(&buffer) } }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
