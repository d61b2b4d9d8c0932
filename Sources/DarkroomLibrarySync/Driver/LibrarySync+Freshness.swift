import DarkroomStore
import DarkroomSync
import Foundation

/// Rollback and withholding caught on every run, cheaply: one existence check per log.
extension LibrarySync {
    /// The objects this device verified or wrote that the transport no longer serves: the newest
    /// verified envelope of every log (this device's own included) and this device's newest
    /// checkpoint. A transport restored from an older copy (a backup, a file-sync service going
    /// back in time) or hiding a log's newest envelope from this device fails it; an honest one
    /// never does, since objects are write-once and never deleted while the library lives.
    ///
    /// Logs whose newest envelope this pull fetched are not asked again.
    func missingHeads(_ state: LogVerifierState, fetched: [OpenedEnvelope], identity: DeviceIdentity,
                      transport: any SyncTransport) async throws -> [Detection] {
        var names: [ObjectName] = []
        let fresh = Set(fetched.map { "\($0.header.device.rawValue)#\($0.header.sequence)" })
        for device in state.verifiedHashes.keys.sorted() {
            let head = state.head(of: device).sequence
            guard head > 0, !fresh.contains("\(device.rawValue)#\(head)") else { continue }
            names.append(SyncObjectName.log(device, sequence: head).objectName)
        }
        let counter = try await checkpointCounter()
        if counter > 0 { names.append(SyncObjectName.checkpoint(identity.id, counter: counter).objectName) }
        var missing: [Detection] = []
        for name in names where try await !transport.contains(name) {
            missing.append(.headMissing(name))
        }
        return missing
    }
}
