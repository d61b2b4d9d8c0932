import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP client under ``HTTPTransport``: Foundation's `URLSession` (FoundationNetworking on
/// Linux), so that an app or the `darkroom` CLI compiles no server stack to talk to a relay.
///
/// One session per client, with a delegate that collects each answer's bytes as they arrive, so
/// that an exchange cut off midway still hands back what it received (``RelayHTTPClient/CutOff``)
/// and a download can resume from there with a ranged request.
public final class RelayHTTPClient: Sendable {
    /// One answer: status, headers (names lower-cased) and body.
    public struct Answer: Sendable {
        /// The HTTP status code.
        public var status: Int
        /// Header values by lower-cased name.
        public var headers: [String: String]
        /// The body.
        public var body: Data

        /// The value of header `name` (any case).
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// An exchange that failed after the answer began: what had arrived, and why it stopped.
    public struct CutOff: Error, Sendable {
        /// The answer's status and headers, with the part of its body that arrived.
        public var partial: Answer
        /// The error that ended the transfer.
        public var reason: any Error
    }

    /// The process-wide client every transport uses unless given another.
    public static let shared = RelayHTTPClient()

    private let session: URLSession
    private let collector: Collector

    /// A client whose session allows `connectionsPerHost` connections to one relay.
    public init(connectionsPerHost: Int = 64) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = connectionsPerHost
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        collector = Collector()
        session = URLSession(configuration: configuration, delegate: collector, delegateQueue: nil)
    }

    /// Sends `request` (its body in `body`) and returns the whole answer; cancelling the calling
    /// task cancels the transfer.
    public func send(_ request: URLRequest, body: Data?) async throws -> Answer {
        let task = body.map { session.uploadTask(with: request, from: $0) } ?? session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                collector.begin(task.taskIdentifier, continuation)
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    /// Collects each task's bytes and finishes its continuation when the task completes.
    private final class Collector: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        private struct Transfer {
            var body = Data()
            var continuation: CheckedContinuation<Answer, any Error>
        }
        private let lock = NSLock()
        private var transfers: [Int: Transfer] = [:]   // guarded by `lock`

        func begin(_ id: Int, _ continuation: CheckedContinuation<Answer, any Error>) {
            lock.withLock { transfers[id] = Transfer(continuation: continuation) }
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            lock.withLock { transfers[dataTask.taskIdentifier]?.body.append(data) }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)   // a relay never redirects; a signed request is not replayed elsewhere
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            guard let transfer = lock.withLock({ transfers.removeValue(forKey: task.taskIdentifier) }) else { return }
            let http = task.response as? HTTPURLResponse
            var headers: [String: String] = [:]
            for (name, value) in http?.allHeaderFields ?? [:] {
                if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
            }
            let answer = Answer(status: http?.statusCode ?? 0, headers: headers, body: transfer.body)
            if let error {
                transfer.continuation.resume(throwing: http == nil ? error : CutOff(partial: answer, reason: error))
            } else if http == nil {
                transfer.continuation.resume(throwing: URLError(.badServerResponse))
            } else {
                transfer.continuation.resume(returning: answer)
            }
        }
    }
}
