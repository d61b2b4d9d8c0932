import DarkroomSync
import Foundation
import Hummingbird

/// A request the relay refuses, with the HTTP status and a message for the person who
/// reads the client's error. It renders its own answer (Hummingbird's `HTTPResponseError`):
/// the JSON body clients decode (`RelayErrorBody`) and, for 429, `Retry-After`.
public struct RelayHTTPError: HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// What is wrong and what to do.
    public var message: String
    /// Seconds to wait, for 429 answers.
    public var retryAfter: Int?

    /// An error with explicit parts.
    public init(_ status: HTTPResponse.Status, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
    }

    /// "STATUS: message".
    public var description: String { "\(status.code): \(message)" }

    /// The answer: `{"error": message}` with this status, and `Retry-After` when set.
    public func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The answer, without a request (the relay renders errors it catches itself).
    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let body = (try? JSONEncoder().encode(RelayErrorBody(error: message))) ?? Data()
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func badRequest(_ m: String) -> RelayHTTPError { RelayHTTPError(.badRequest, m) }
    static func unauthorized(_ m: String) -> RelayHTTPError { RelayHTTPError(.unauthorized, m) }
    static func forbidden(_ m: String) -> RelayHTTPError { RelayHTTPError(.forbidden, m) }
    static func notFound(_ m: String) -> RelayHTTPError { RelayHTTPError(.notFound, m) }
    static func conflict(_ m: String) -> RelayHTTPError { RelayHTTPError(.conflict, m) }
    static func tooLarge(_ m: String) -> RelayHTTPError { RelayHTTPError(.contentTooLarge, m) }
}
