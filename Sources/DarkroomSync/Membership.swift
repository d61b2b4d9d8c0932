import DarkroomCrypto
import Foundation

/// One device's entry in a library's membership list.
public struct Member: Sendable, Hashable, Codable {
    /// The device's public card.
    public var card: DeviceCard
    /// Set when the device was removed: envelopes it signs for this epoch or later are
    /// rejected, and it never receives the keys of this epoch or later.
    public var revokedFromEpoch: UInt32?
    /// Set with `revokedFromEpoch`: the last sequence of the device's log the revoking
    /// device had verified. Later envelopes from it are rejected even under an old epoch
    /// key, so a revoked device cannot keep writing with the keys it still holds.
    public var revokedAfterSequence: UInt64?

    /// Whether the device is still a member.
    public var isActive: Bool { revokedFromEpoch == nil }

    /// An entry with explicit parts.
    public init(card: DeviceCard, revokedFromEpoch: UInt32? = nil, revokedAfterSequence: UInt64? = nil) {
        self.card = card
        self.revokedFromEpoch = revokedFromEpoch
        self.revokedAfterSequence = revokedAfterSequence
    }
}

/// The devices of a library at one version of its membership, and the current key epoch.
public struct MembershipList: Sendable, Equatable, Codable {
    /// The library this list belongs to.
    public var library: LibraryID
    /// Starts at 1; each change adds 1.
    public var version: UInt64
    /// The key epoch new envelopes use; rises by 1 with each revocation.
    public var epoch: UInt32
    /// Every device ever admitted, revoked ones included, sorted by id.
    public var members: [Member]
    /// BLAKE2b-256 of the previous signed version's payload; empty for version 1.
    public var previousHash: Data

    /// The entry for `device`, if it was ever admitted.
    public func member(_ device: DeviceID) -> Member? { members.first { $0.card.id == device } }
    /// The devices that are members now.
    public var activeMembers: [Member] { members.filter(\.isActive) }
}

/// A membership list as signed by the device that made the change. The signature covers
/// the exact JSON bytes in `payload`, so no re-encoding is ever needed to verify it.
public struct SignedMembership: Sendable, Equatable, Codable {
    /// The JSON (sorted keys) of the `MembershipList`.
    public let payload: Data
    /// The device that signed this version.
    public let signer: DeviceID
    /// Ed25519 over `"DRMS1" || signer || payload`.
    public let signature: Data

    /// Signs `list` as `signer`.
    public static func sign(_ list: MembershipList, by signer: DeviceIdentity) throws -> SignedMembership {
        let payload = try JSONEncoder.sorted.encode(list)
        return SignedMembership(payload: payload, signer: signer.id,
                                signature: signer.signing.sign(signedBytes(payload: payload, signer: signer.id)))
    }

    private init(payload: Data, signer: DeviceID, signature: Data) {
        self.payload = payload
        self.signer = signer
        self.signature = signature
    }

    /// BLAKE2b-256 of `payload`: what the next version's `previousHash` must be.
    public var hash: Data { try! GenericHash.hash(payload) }

    /// The decoded list, unverified.
    public func decodedList() throws -> MembershipList {
        do { return try JSONDecoder().decode(MembershipList.self, from: payload) } catch {
            throw SyncError.membership("membership payload does not decode: \(error)")
        }
    }

    /// Verifies this version as the successor of `previous` (the first version when nil)
    /// and returns its list.
    ///
    /// Rules: version 1 is signed by one of its own members and has no previous hash; each
    /// later version has the same library, version + 1, the previous payload's hash, a signer
    /// that is active in the previous version, no reinstated or rewritten revocations, and
    /// exactly one more epoch when it revokes anyone (the revoked entries naming that epoch).
    public func verify(following previous: SignedMembership?) throws -> MembershipList {
        let list = try decodedList()
        guard list.members.map(\.card.id) == list.members.map(\.card.id).sorted(), Set(list.members.map(\.card.id)).count == list.members.count else {
            throw SyncError.membership("members are not sorted by unique device id")
        }
        let signerKey: SigningPublicKey
        if let previous {
            let prev = try previous.decodedList()
            guard list.library == prev.library else { throw SyncError.membership("version \(list.version) is for library \(list.library), not \(prev.library)") }
            guard list.version == prev.version + 1 else { throw SyncError.membership("version \(list.version) does not follow version \(prev.version)") }
            guard ConstantTime.equals(list.previousHash, previous.hash) else {
                throw SyncError.membership("version \(list.version) does not chain to the version \(prev.version) this device has (a forked membership history)")
            }
            guard let admin = prev.member(signer), admin.isActive else {
                throw SyncError.membership("version \(list.version) is signed by \(signer), which is not an active member of version \(prev.version)")
            }
            signerKey = admin.card.signingKey
            var revokedNow = false
            for old in prev.members {
                guard let new = list.member(old.card.id) else { throw SyncError.membership("version \(list.version) drops device \(old.card.id) instead of revoking it") }
                guard new.card.signingKey == old.card.signingKey, new.card.boxKey == old.card.boxKey else {
                    throw SyncError.membership("version \(list.version) changes the keys of device \(old.card.id)")
                }
                if let r = old.revokedFromEpoch {
                    guard new.revokedFromEpoch == r, new.revokedAfterSequence == old.revokedAfterSequence else { throw SyncError.membership("version \(list.version) reinstates or rewrites the revocation of \(old.card.id)") }
                } else if new.revokedFromEpoch != nil || new.revokedAfterSequence != nil {
                    revokedNow = true
                    guard new.revokedAfterSequence != nil else { throw SyncError.membership("the revocation of \(old.card.id) must name its last accepted sequence") }
                    guard new.revokedFromEpoch == list.epoch else { throw SyncError.membership("device \(old.card.id) must be revoked from the new epoch \(list.epoch)") }
                }
            }
            for new in list.members where prev.member(new.card.id) == nil && !new.isActive {
                throw SyncError.membership("version \(list.version) adds device \(new.card.id) already revoked")
            }
            let expectedEpoch = revokedNow ? prev.epoch + 1 : prev.epoch
            guard list.epoch == expectedEpoch else {
                throw SyncError.membership("version \(list.version) has epoch \(list.epoch), expected \(expectedEpoch)")
            }
        } else {
            guard list.version == 1, list.previousHash.isEmpty else { throw SyncError.membership("the first membership version must be 1 with no previous hash") }
            guard let founder = list.member(signer), founder.isActive else {
                throw SyncError.membership("the first membership version must be signed by one of its members")
            }
            signerKey = founder.card.signingKey
        }
        guard signerKey.isValidSignature(signature, for: Self.signedBytes(payload: payload, signer: signer)) else {
            throw SyncError.membership("the signature on version \(list.version) by \(signer) does not verify")
        }
        return list
    }

    private static func signedBytes(payload: Data, signer: DeviceID) -> Data {
        var w = BinaryWriter()
        w.bytes(Data("DRMS1".utf8))
        w.string(signer.rawValue)
        w.bytes(payload)
        return w.data
    }
}

extension SignedMembership {
    /// The bytes of its `membership/<version>` transport object: this value as JSON with sorted
    /// keys, so that writing it again (after an interrupted run) gives the same bytes.
    public func objectBytes() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
