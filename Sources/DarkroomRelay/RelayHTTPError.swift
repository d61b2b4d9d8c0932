import Foundation
import Hummingbird

/// A request the relay refuses, with the HTTP status and a message for the person who
/// reads the client's error.
public struct RelayHTTPError: Error, Sendable, Equatable, CustomStringConvertible {
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

    static func badRequest(_ m: String) -> RelayHTTPError { RelayHTTPError(.badRequest, m) }
    static func unauthorized(_ m: String) -> RelayHTTPError { RelayHTTPError(.unauthorized, m) }
    static func forbidden(_ m: String) -> RelayHTTPError { RelayHTTPError(.forbidden, m) }
    static func notFound(_ m: String) -> RelayHTTPError { RelayHTTPError(.notFound, m) }
    static func conflict(_ m: String) -> RelayHTTPError { RelayHTTPError(.conflict, m) }
    static func tooLarge(_ m: String) -> RelayHTTPError { RelayHTTPError(.contentTooLarge, m) }
}
