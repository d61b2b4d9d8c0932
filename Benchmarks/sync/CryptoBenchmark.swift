// darkroom-bench-crypto: throughput of blob encryption and of envelope sync through a
// folder. Run in release: swift run -c release --static-swift-stdlib darkroom-bench-crypto [--quick]
// See Benchmarks/sync/README.md for what each line measures.
import DarkroomCrypto
import DarkroomSync
import Foundation

@main
struct CryptoBenchmark {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Seconds since `start` (a `DispatchTime` uptime in nanoseconds).
    static func elapsed(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Best of `runs` timings.
    static func best(_ runs: Int, _ body: () throws -> Double) rethrows -> Double {
        var b = Double.infinity
        for _ in 0..<runs { b = min(b, try body()) }
        return b
    }

    static func main() async throws {
        let quick = CommandLine.arguments.contains("--quick")

        let work = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-bench-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "n/a"
        print("darkroom-bench-crypto  (\(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(load))")

        // 1. Blob encryption: raw libsodium secretstream vs BlobSealer (encrypt + BLAKE2b of the
        //    ciphertext + write + fsync), same plaintext, same 1 MiB chunks.
        let blobBytes = (quick ? 16 : 128) << 20
        var plaintext = Data(count: blobBytes)
        plaintext.withUnsafeMutableBytes { raw in
            var x: UInt64 = 88172645463325252
            for i in 0..<raw.count {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                raw[i] = UInt8(truncatingIfNeeded: x)
            }
        }
        let source = work.appendingPathComponent("image.bin")
        try plaintext.write(to: source)
        let key = SymmetricKey()
        let rawSeconds = try best(3) {
            var offset = 0
            let chunk = SecretStream.defaultChunkSize
            return try seconds {
                _ = try SecretStream.encrypt(read: { n in
                    let end = min(offset + n, plaintext.count)
                    defer { offset = end }
                    return plaintext[offset..<end]
                }, write: { _ in }, key: key, chunkSize: chunk)
            }
        }
        let sealedURL = work.appendingPathComponent("image.sealed")
        var reference: BlobReference? = nil
        let blobSeconds = try best(3) {
            try? FileManager.default.removeItem(at: sealedURL)
            return try seconds { reference = try BlobSealer.seal(fileAt: source, to: sealedURL) }
        }
        let mib = Double(blobBytes) / Double(1 << 20)
        print(String(format: "secretstream raw (memory, no I/O)      %8.0f MiB/s", mib / rawSeconds))
        print(String(format: "BlobSealer file -> file (+hash, fsync)  %8.0f MiB/s  (%.0f%% of raw; target >= 50%%)",
                     mib / blobSeconds, 100 * rawSeconds / blobSeconds))
        // Components of the sealed path, to see where time goes.
        let hashSeconds = try best(3) { try seconds { _ = try GenericHash.hash(plaintext) } }
        let copyURL = work.appendingPathComponent("image.copy")
        let writeSeconds = try best(3) {
            try? FileManager.default.removeItem(at: copyURL)
            return try seconds {
                _ = FileManager.default.createFile(atPath: copyURL.path, contents: nil)
                let h = try FileHandle(forWritingTo: copyURL)
                try h.write(contentsOf: plaintext)
                try h.synchronize()
                try h.close()
            }
        }
        print(String(format: "  components: BLAKE2b %.0f MiB/s, write+fsync %.0f MiB/s", mib / hashSeconds, mib / writeSeconds))
        let openSeconds = try seconds { _ = try BlobSealer.open(try Data(contentsOf: sealedURL), reference: reference!) }
        print(String(format: "BlobSealer open (read + hash + decrypt) %8.0f MiB/s", mib / openSeconds))

        // 2. Envelopes through a folder: 100,000 records of ~200 bytes in batches of 100.
        let records = quick ? 10_000 : 100_000
        let batch = CommandLine.arguments.contains("--batch-1000") ? 1000 : 100
        let founder = DeviceIdentity(name: "phone")
        let joiner = DeviceIdentity(name: "laptop")
        var keyring = try LibraryKeyring.create(founder: founder)
        keyring = try keyring.admitting(joiner.card, by: founder)
        let folder = work.appendingPathComponent("shared")
        let atFounder = try FolderTransport(root: folder, writer: founder.id)
        let atJoiner = try FolderTransport(root: folder, writer: joiner.id)
        var writer = LogWriter(library: keyring.library, device: founder.id)
        var clock = HybridLogicalClock(device: founder.id)
        func payload(_ first: Int, _ count: Int) -> Data {
            var d = Data()
            for r in first..<(first + count) {
                d.append(contentsOf: Array("{\"table\":\"generation\",\"id\":\"\(r)\",\"field\":\"prompt\",\"value\":\"a watercolour fox in the snow, record \(r), 4k, soft light, muted palette\"}\n".utf8))
            }
            return d
        }
        let writeStart = DispatchTime.now().uptimeNanoseconds
        for first in stride(from: 0, to: records, by: batch) {
            let e = try writer.append(payload(first, batch), clock: clock.now(), keyring: keyring, identity: founder)
            try await atFounder.put(e.bytes, name: e.name)
        }
        let logWriteSeconds = elapsed(since: writeStart)
        var verifier = LogVerifier(library: keyring.library)
        let pullStart = DispatchTime.now().uptimeNanoseconds
        let report = try await verifier.pull(from: atJoiner, keyring: keyring)
        precondition(report.isClean)
        let accepted = report.accepted.reduce(0) { $0 + $1.payload.split(separator: UInt8(ascii: "\n")).count }
        let pullSeconds = elapsed(since: pullStart)
        precondition(accepted == records)
        print(String(format: "first sync, %d records in %d envelopes: write %.2f s, list+verify+decrypt %.2f s (target < 10 s end to end with the store)",
                     records, records / batch, logWriteSeconds, pullSeconds))

        // 3. Incremental: 100 changes in one envelope, written then pulled by the other device.
        var incremental = Double.infinity
        for round in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            let e = try writer.append(payload(records + round * 100, 100), clock: clock.now(), keyring: keyring, identity: founder)
            try await atFounder.put(e.bytes, name: e.name)
            let report = try await verifier.pull(from: atJoiner, keyring: keyring)
            precondition(report.accepted.count == 1 && report.isClean)
            incremental = min(incremental, elapsed(since: start))
        }
        print(String(format: "incremental sync of 100 changes: %.1f ms (best of 5; target < 100 ms)", incremental * 1000))
    }
}
