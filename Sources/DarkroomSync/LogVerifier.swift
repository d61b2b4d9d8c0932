import DarkroomCrypto
import Foundation

/// What a device remembers between pulls to judge freshness; store it with the library
/// (it is Codable) in the same transaction that applies the accepted envelopes.
public struct LogVerifierState: Sendable, Equatable, Codable {
    /// The hash of every verified envelope, per log, index `sequence - 1`. The count is the
    /// log's high-water mark.
    public var verifiedHashes: [DeviceID: [Data]] = [:]
    /// The newest checkpoint counter seen from each signer.
    public var checkpointCounters: [DeviceID: UInt64] = [:]
    /// The heads each signer's newest checkpoint claims.
    public var latestClaims: [DeviceID: [DeviceID: LogHead]] = [:]
    /// Where the last listing stopped.
    public var cursor: TransportCursor?
    /// Log objects seen but not accepted yet (held back behind a gap or failing a check),
    /// fetched again on every pull.
    public var pending: [ObjectName] = []

    /// An empty state: nothing verified yet.
    public init() {}

    /// The newest verified envelope of `device`'s log.
    public func head(of device: DeviceID) -> LogHead {
        guard let hashes = verifiedHashes[device], let last = hashes.last else { return .genesis }
        return LogHead(sequence: UInt64(hashes.count), hash: last)
    }
}

/// Pulls envelopes and checkpoints from a transport, verifies them, accepts each log's
/// envelopes strictly in order, and reports anything a faulty or dishonest transport did:
/// drops (gaps), reordering, duplicates, replays, swaps, truncation, withholding (via
/// checkpoints), rollback (on a full rescan) and forks.
public struct LogVerifier: Sendable {
    /// The library verified.
    public let library: LibraryID
    /// The persisted state; save it after applying `accepted`.
    public var state: LogVerifierState

    /// A verifier resuming from `state`.
    public init(library: LibraryID, state: LogVerifierState = .init()) {
        self.library = library
        self.state = state
    }

    /// Records an envelope this device wrote itself, so its own log needs no download.
    public mutating func recordOwnEnvelope(device: DeviceID, head: LogHead) {
        guard head.sequence == state.head(of: device).sequence + 1 else { return }
        state.verifiedHashes[device, default: []].append(head.hash)
    }

    /// A signed checkpoint of every verified head, named for the transport.
    public func makeCheckpoint(by identity: DeviceIdentity, counter: UInt64) throws -> (name: ObjectName, bytes: Data) {
        var heads: [DeviceID: LogHead] = [:]
        for device in state.verifiedHashes.keys { heads[device] = state.head(of: device) }
        let bytes = try Checkpoint(library: library, signer: identity.id, counter: counter, heads: heads).signed(by: identity)
        return (SyncObjectName.checkpoint(identity.id, counter: counter).objectName, bytes)
    }

    /// Whether something is outstanding (held-back objects, or a checkpoint claiming more
    /// than was verified): the next pull then lists everything again, because objects a
    /// transport hid may sit before the cursor.
    public var needsFullRescan: Bool {
        if !state.pending.isEmpty { return true }
        return state.latestClaims.values.contains { heads in
            heads.contains { device, claimed in claimed.sequence > state.head(of: device).sequence }
        }
    }

    /// Lists new objects (all of them with `fullRescan` or when `needsFullRescan`; a full
    /// listing also detects rollback), fetches the logs' new envelopes, new checkpoints and
    /// pending objects, and verifies them.
    public mutating func pull(from transport: some SyncTransport, keyring: LibraryKeyring, fullRescan: Bool = false) async throws -> PullReport {
        let rescan = fullRescan || needsFullRescan
        let listing = try await transport.listAll(after: rescan ? nil : state.cursor)
        var report = PullReport()
        var unique: [ObjectName] = []
        var seen = Set<ObjectName>()
        var reportedDuplicates = Set<ObjectName>()
        for name in listing.names {
            if seen.insert(name).inserted {
                unique.append(name)
            } else if reportedDuplicates.insert(name).inserted {
                report.detections.append(.duplicateListing(name))
            }
        }
        var toFetch: [ObjectName] = []
        var queued = Set<ObjectName>()
        for name in unique + state.pending where !queued.contains(name) {
            switch SyncObjectName(name) {
            case .log(let device, let sequence):
                if sequence > state.head(of: device).sequence { toFetch.append(name); queued.insert(name) }
            case .checkpoint(let device, let counter):
                if counter > state.checkpointCounters[device, default: 0] { toFetch.append(name); queued.insert(name) }
            default:
                if seen.contains(name) { report.otherObjects.append(name) }
            }
        }
        var fetched: [(ObjectName, Data)] = []
        var unfetched: [ObjectName] = []
        for name in toFetch {
            do {
                fetched.append((name, try await transport.get(name)))
            } catch {
                unfetched.append(name)
                if seen.contains(name) { report.detections.append(.unreadable(name, reason: "listed but not served: \(error)")) }
            }
        }
        ingest(fetched, listingOrder: unique, keyring: keyring, into: &report)
        state.pending = Array(Set(state.pending + unfetched.filter { if case .log = SyncObjectName($0) { return true } else { return false } })).sorted()
        if rescan {
            var listedMax: [DeviceID: UInt64] = [:]
            for name in unique {
                if case .log(let d, let s) = SyncObjectName(name) { listedMax[d] = max(listedMax[d, default: 0], s) }
            }
            for (device, hashes) in state.verifiedHashes.sorted(by: { $0.key < $1.key }) where listedMax[device, default: 0] < UInt64(hashes.count) {
                report.detections.append(.rolledBack(device, listedUpTo: listedMax[device, default: 0], verified: UInt64(hashes.count)))
            }
        }
        state.cursor = listing.cursor
        return report
    }

    /// Verifies fetched objects and accepts what chains; updates `state` and `report`.
    mutating func ingest(_ fetched: [(ObjectName, Data)], listingOrder: [ObjectName], keyring: LibraryKeyring, into report: inout PullReport) {
        typealias Candidate = (name: ObjectName, parsed: SyncEnvelope.Parsed)
        var candidates: [DeviceID: [UInt64: [Candidate]]] = [:]
        var checkpoints: [(ObjectName, Data)] = []
        var pending = Set<ObjectName>()

        for (name, bytes) in fetched {
            switch SyncObjectName(name) {
            case .log(let device, let sequence):
                let parsed: SyncEnvelope.Parsed
                do { parsed = try SyncEnvelope.parse(bytes) } catch {
                    report.detections.append(.unreadable(name, reason: "\(error)"))
                    pending.insert(name)
                    continue
                }
                let h = parsed.header
                guard h.device == device, h.sequence == sequence else {
                    if h.device == device, h.sequence < sequence {
                        report.detections.append(.replayed(name, device: h.device, sequence: h.sequence))
                    } else {
                        report.detections.append(.swapped(name, device: h.device, sequence: h.sequence))
                    }
                    pending.insert(name)
                    continue
                }
                candidates[device, default: [:]][sequence, default: []].append((name, parsed))
            case .checkpoint:
                checkpoints.append((name, bytes))
            default:
                continue
            }
        }

        var listedOrder: [DeviceID: [UInt64]] = [:]
        for name in listingOrder {
            if case .log(let d, let s) = SyncObjectName(name) { listedOrder[d, default: []].append(s) }
        }
        for (device, order) in listedOrder.sorted(by: { $0.key < $1.key }) where order != order.sorted() {
            report.detections.append(.reordered(device))
        }

        for device in candidates.keys.sorted() {
            let bySequence = candidates[device]!
            var head = state.head(of: device)
            let history = state.verifiedHashes[device] ?? []
            for (sequence, versions) in bySequence.sorted(by: { $0.key < $1.key }) where sequence >= 1 && sequence <= head.sequence {
                let known = history[Int(sequence) - 1]
                if versions.contains(where: { !ConstantTime.equals($0.parsed.hash, known) && isSigned($0.parsed, keyring) }) {
                    report.detections.append(.forked(device, sequence: sequence))
                }
            }
            var next = head.sequence + 1
            var blocked = false
            while let versions = bySequence[next] {
                var distinct: [Candidate] = []
                for v in versions where !distinct.contains(where: { $0.parsed.hash == v.parsed.hash }) { distinct.append(v) }
                let signed = distinct.filter { isSigned($0.parsed, keyring) }
                if signed.count > 1 {
                    report.detections.append(.forked(device, sequence: next))
                    blocked = true
                    break
                }
                let chosen = signed.first ?? distinct[0]
                do {
                    let opened = try SyncEnvelope.open(chosen.parsed, library: library, keyring: keyring, after: head)
                    report.accepted.append(opened)
                    state.verifiedHashes[device, default: []].append(opened.head.hash)
                    head = opened.head
                    next += 1
                } catch EnvelopeError.chainMismatch(let d, let s) {
                    report.detections.append(.forked(d, sequence: s))
                    blocked = true
                    break
                } catch {
                    report.detections.append(.rejected(chosen.name, (error as? EnvelopeError) ?? .malformed("\(error)")))
                    blocked = true
                    break
                }
            }
            let ahead = bySequence.keys.filter { $0 >= next }
            if !blocked, let first = ahead.min(), first > next {
                report.detections.append(.gap(device, missing: next...(first - 1)))
            }
            for s in ahead { for c in bySequence[s]! { pending.insert(c.name) } }
        }
        state.pending = pending.sorted()

        for (name, bytes) in checkpoints {
            guard case .checkpoint(let device, let counter) = SyncObjectName(name) else { continue }
            // A revoked device's checkpoints say nothing trustworthy (they carry no epoch, so
            // ones written before and after the revocation look alike): skipped, claims dropped.
            if keyring.membership.member(device)?.isActive == false {
                state.latestClaims[device] = nil
                continue
            }
            let checkpoint: Checkpoint
            do { checkpoint = try Checkpoint.open(bytes, library: library, membership: keyring.membership) } catch let e as EnvelopeError {
                report.detections.append(.rejected(name, e))
                continue
            } catch {
                report.detections.append(.unreadable(name, reason: "\(error)"))
                continue
            }
            guard checkpoint.signer == device, checkpoint.counter == counter else {
                if checkpoint.signer == device, checkpoint.counter < counter {
                    report.detections.append(.replayed(name, device: device, sequence: checkpoint.counter))
                } else {
                    report.detections.append(.swapped(name, device: checkpoint.signer, sequence: checkpoint.counter))
                }
                continue
            }
            guard counter > state.checkpointCounters[device, default: 0] else {
                report.detections.append(.staleCheckpoint(name, signer: device, counter: counter))
                continue
            }
            state.checkpointCounters[device] = counter
            state.latestClaims[device] = checkpoint.heads
        }

        for signer in state.latestClaims.keys where keyring.membership.member(signer)?.isActive != true {
            state.latestClaims[signer] = nil  // claims of a revoked device no longer count
        }
        for (signer, heads) in state.latestClaims.sorted(by: { $0.key < $1.key }) {
            for (device, claimed) in heads.sorted(by: { $0.key < $1.key }) {
                let mine = state.head(of: device)
                if claimed.sequence > mine.sequence {
                    report.detections.append(.withheld(device, claimed: claimed.sequence, available: mine.sequence, reportedBy: signer))
                } else if claimed.sequence > 0,
                          !ConstantTime.equals(state.verifiedHashes[device]![Int(claimed.sequence) - 1], claimed.hash) {
                    report.detections.append(.forked(device, sequence: claimed.sequence))
                }
            }
        }
    }

    private func isSigned(_ parsed: SyncEnvelope.Parsed, _ keyring: LibraryKeyring) -> Bool {
        (try? SyncEnvelope.verifySignature(parsed, membership: keyring.membership)) != nil
    }
}
