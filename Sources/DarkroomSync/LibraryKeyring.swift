import DarkroomCrypto
import Foundation

/// A library's keys: one random 32-byte key per epoch and the verified chain of
/// membership versions that says which devices may read and write each epoch.
///
/// A device receives the keyring sealed to its X25519 key (`sealed(for:)`); a device that is
/// revoked keeps the epochs it had, but the next epoch's key is sealed only to the rest, so
/// it cannot read anything written afterwards.
public struct LibraryKeyring: Sendable {
    /// The library these keys belong to.
    public let library: LibraryID
    /// Every membership version, oldest first, each verified against its predecessor.
    public private(set) var chain: [SignedMembership]
    /// The newest membership list.
    public private(set) var membership: MembershipList
    private var epochKeys: [UInt32: SymmetricKey]

    /// The epoch new envelopes are sealed with.
    public var currentEpoch: UInt32 { membership.epoch }
    /// The epochs whose keys this keyring holds.
    public var knownEpochs: [UInt32] { epochKeys.keys.sorted() }

    /// A new library with `founder` as its only member, epoch 1 and a random key.
    public static func create(library: LibraryID = .random(), founder: DeviceIdentity) throws -> LibraryKeyring {
        let list = MembershipList(library: library, version: 1, epoch: 1, members: [Member(card: founder.card)], previousHash: Data())
        let signed = try SignedMembership.sign(list, by: founder)
        return LibraryKeyring(library: library, chain: [signed], membership: list, epochKeys: [1: SymmetricKey()])
    }

    private init(library: LibraryID, chain: [SignedMembership], membership: MembershipList, epochKeys: [UInt32: SymmetricKey]) {
        self.library = library
        self.chain = chain
        self.membership = membership
        self.epochKeys = epochKeys
    }

    /// The key of `epoch`.
    /// - Throws: `SyncError.unknownEpoch` when this device does not hold it.
    public func key(forEpoch epoch: UInt32) throws -> SymmetricKey {
        guard let key = epochKeys[epoch] else { throw SyncError.unknownEpoch(epoch) }
        return key
    }

    /// The key of the current epoch.
    public var currentKey: SymmetricKey { epochKeys[currentEpoch]! }

    /// A keyring whose membership adds `card`, signed by `admin` (an active member).
    public func admitting(_ card: DeviceCard, by admin: DeviceIdentity) throws -> LibraryKeyring {
        guard membership.member(card.id) == nil else { throw SyncError.membership("device \(card.id) is already in this library") }
        var next = membership
        next.members.append(Member(card: card))
        next.members.sort { $0.card.id < $1.card.id }
        return try appending(next, by: admin, newEpochKey: nil)
    }

    /// A keyring that revokes `device`, signed by `admin`: the epoch rises by one and gets a
    /// new random key, and envelopes of `device` after `lastAcceptedSequence` (the head of its
    /// log that `admin` verified) are rejected from now on. Seal the result to every remaining
    /// member (`sealedForActiveMembers`).
    public func revoking(_ device: DeviceID, lastAcceptedSequence: UInt64, by admin: DeviceIdentity) throws -> LibraryKeyring {
        guard let member = membership.member(device), member.isActive else { throw SyncError.notAMember(device) }
        guard device != admin.id else { throw SyncError.membership("a device cannot revoke itself; revoke it from another device") }
        var next = membership
        next.epoch += 1
        next.members = next.members.map { $0.card.id == device ? Member(card: $0.card, revokedFromEpoch: next.epoch, revokedAfterSequence: lastAcceptedSequence) : $0 }
        return try appending(next, by: admin, newEpochKey: SymmetricKey())
    }

    private func appending(_ next: MembershipList, by admin: DeviceIdentity, newEpochKey: SymmetricKey?) throws -> LibraryKeyring {
        var list = next
        list.version = membership.version + 1
        list.previousHash = chain.last!.hash
        let signed = try SignedMembership.sign(list, by: admin)
        let verified = try signed.verify(following: chain.last)
        var keys = epochKeys
        if let newEpochKey { keys[verified.epoch] = newEpochKey }
        return LibraryKeyring(library: library, chain: chain + [signed], membership: verified, epochKeys: keys)
    }

    private struct Sealed: Codable {
        struct EpochKey: Codable {
            var epoch: UInt32
            var key: Data
        }
        var library: LibraryID
        var chain: [SignedMembership]
        var keys: [EpochKey]
    }

    /// The keyring sealed to `card`'s box key (X25519 sealed box). Only active members can be sealed to.
    public func sealed(for card: DeviceCard) throws -> Data {
        guard let member = membership.member(card.id), member.isActive, member.card.boxKey == card.boxKey else {
            throw SyncError.notAMember(card.id)
        }
        return card.boxKey.seal(try serialized())
    }

    /// The keyring as JSON (epoch keys included): only ever sealed, never stored in clear.
    func serialized() throws -> Data {
        try JSONEncoder.sorted.encode(Sealed(library: library, chain: chain,
                                             keys: epochKeys.sorted { $0.key < $1.key }.map { .init(epoch: $0.key, key: $0.value.exportedBytes()) }))
    }

    /// The keyring sealed to each active member other than `sender`.
    public func sealedForActiveMembers(except sender: DeviceID) throws -> [DeviceID: Data] {
        var out: [DeviceID: Data] = [:]
        for member in membership.activeMembers where member.card.id != sender {
            out[member.card.id] = try sealed(for: member.card)
        }
        return out
    }

    /// Opens a keyring sealed to `identity`, verifies the whole membership chain, and checks
    /// that `identity` is an active member and the library is `expectedLibrary` when given.
    ///
    /// Sealed boxes are anonymous: the caller must also check that the newest membership
    /// version is signed by a device it trusts (the one whose fingerprint it compared; see
    /// `lastSigner`).
    public static func open(_ sealed: Data, as identity: DeviceIdentity, expectedLibrary: LibraryID? = nil) throws -> LibraryKeyring {
        try deserialize(try identity.box.open(sealed), as: identity, expectedLibrary: expectedLibrary)
    }

    /// Decodes `serialized()` output and runs every check of `open`.
    static func deserialize(_ plain: Data, as identity: DeviceIdentity, expectedLibrary: LibraryID?) throws -> LibraryKeyring {
        let s: Sealed
        do { s = try JSONDecoder().decode(Sealed.self, from: plain) } catch { throw SyncError.malformed("sealed keyring does not decode") }
        if let expectedLibrary, s.library != expectedLibrary {
            throw SyncError.membership("the keyring is for library \(s.library), not \(expectedLibrary)")
        }
        guard !s.chain.isEmpty else { throw SyncError.membership("the keyring has no membership") }
        var previous: SignedMembership? = nil
        var list: MembershipList? = nil
        for version in s.chain {
            list = try version.verify(following: previous)
            previous = version
        }
        guard let list, list.library == s.library else { throw SyncError.membership("the membership is for another library") }
        guard let me = list.member(identity.id), me.isActive, me.card.boxKey == identity.box.publicKey,
              me.card.signingKey == identity.signing.publicKey else {
            throw SyncError.notAMember(identity.id)
        }
        var keys: [UInt32: SymmetricKey] = [:]
        for k in s.keys { keys[k.epoch] = try SymmetricKey(bytes: k.key) }
        guard keys[list.epoch] != nil else { throw SyncError.unknownEpoch(list.epoch) }
        return LibraryKeyring(library: s.library, chain: s.chain, membership: list, epochKeys: keys)
    }

    /// The device that signed the newest membership version.
    public var lastSigner: DeviceCard? {
        chain.last.flatMap { signed in membership.member(signed.signer)?.card }
    }

    /// This keyring updated with a newer one received from another member: the newer chain
    /// must extend this one (same versions, then more), and epoch keys are merged.
    /// - Throws: `SyncError.membership` when the chains diverge (a fork) or the other is older.
    public func updated(with newer: LibraryKeyring) throws -> LibraryKeyring {
        guard newer.library == library else { throw SyncError.membership("the update is for library \(newer.library), not \(library)") }
        guard newer.chain.count >= chain.count, Array(newer.chain.prefix(chain.count)) == chain else {
            throw SyncError.membership("the received membership history does not extend this device's (version \(membership.version)): a fork or a rollback")
        }
        var keys = epochKeys
        for (epoch, key) in newer.epochKeys { keys[epoch] = key }
        return LibraryKeyring(library: library, chain: newer.chain, membership: newer.membership, epochKeys: keys)
    }
}
