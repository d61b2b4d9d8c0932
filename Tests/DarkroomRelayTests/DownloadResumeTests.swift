import DarkroomSync
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

/// `HTTPTransport.get` keeps the bytes of a download cut off midway and asks for the rest with a
/// ranged request, through a server that drops the connection after half of an object.
@Suite struct DownloadResumeTests {
    @Test func aDownloadCutOffMidwayResumesFromTheBytesReceived() async throws {
        let object = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let asked = Mutex<[String]>([])
        let router = Router()
        router.get("/v1/libraries/:library/objects/**") { request, _ -> Response in
            let range = request.headers[.range]
            asked.withLock { $0.append(range ?? "whole") }
            var headers: HTTPFields = [.contentType: "application/octet-stream"]
            headers[HTTPField.Name(RelayHeaders.objectSize)!] = "\(object.count)"
            guard let range, let from = Int(range.dropFirst("bytes=".count).dropLast()) else {
                // The whole object announced, half of it sent, then the connection dropped.
                headers[.contentLength] = "\(object.count)"
                return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: object.count) { writer in
                    try await writer.write(ByteBuffer(bytes: object.prefix(object.count / 2)))
                    throw CancellationError()
                })
            }
            headers[.contentRange] = "bytes \(from)-\(object.count - 1)/\(object.count)"
            return Response(status: .partialContent, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: object.suffix(from: from))))
        }
        let (ports, bound) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { bound.yield($0.localAddress?.port ?? 0); bound.finish() },
                              logger: Logger(label: "resume-test"))
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "resume-test")))
        let server = Task { try await group.run() }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        let transport = HTTPTransport(baseURL: URL(string: "http://127.0.0.1:\(port)")!, library: LibraryID.random(),
                                      identity: DeviceIdentity(name: "reader"),
                                      retryPolicy: .init(attempts: 3, initialDelay: .milliseconds(10)))
        let received = try await transport.get(SyncObjectName.blob(String(repeating: "ab", count: 32)).objectName)
        #expect(received == object)
        let requests = asked.withLock { $0 }
        #expect(requests.first == "whole")
        #expect(requests.count == 2)
        // The second request asks only for what the first did not deliver (at least half arrived).
        let resumedFrom = requests.last.flatMap { Int($0.dropFirst("bytes=".count).dropLast()) } ?? 0
        #expect(resumedFrom >= object.count / 2 - 65_536 && resumedFrom <= object.count / 2, "\(requests)")
        await group.triggerGracefulShutdown()
    }
}
