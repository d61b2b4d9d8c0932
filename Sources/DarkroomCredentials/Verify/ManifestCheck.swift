import Crypto
import DarkroomImaging
import Foundation
import SwiftASN1
import X509

/// One verification of one manifest store, collecting the report as it goes.
struct ManifestCheck {
    let file: [UInt8]
    let chunk: PNGChunkLocation
    let storeBytes: [UInt8]
    var report = CredentialsReport(state: .valid)

    init(file: [UInt8], chunk: PNGChunkLocation) {
        self.file = file
        self.chunk = chunk
        self.storeBytes = Array(file[chunk.dataRange])
    }

    mutating func fail(_ code: String, _ detail: String) {
        if !report.failures.contains(code) { report.failures.append(code) }
        report.details.append(detail)
        if code != Codes.untrusted { report.state = .invalid }
    }

    enum Codes {
        static let untrusted = "signingCredential.untrusted"
        static let credentialInvalid = "signingCredential.invalid"
        static let signatureMismatch = "claimSignature.mismatch"
        static let hashedURIMismatch = "assertion.hashedURI.mismatch"
        static let assertionMissing = "assertion.missing"
        static let dataHashMismatch = "assertion.dataHash.mismatch"
        static let hardBindingMissing = "claim.hardBindings.missing"
        static let malformed = "claim.malformed"
        static let storeMalformed = "manifest.malformed"
    }

    mutating func run(trustAnchors: [Certificate], now: Date) async {
        let store: JUMBFSuperbox
        do { store = try JUMBFSuperbox.decode(storeBytes) } catch {
            return fail(Codes.storeMalformed, "the manifest store is not well-formed JUMBF: \(error)")
        }
        guard store.description.uuid == JUMBFType.manifestStore, store.label == ManifestBuilder.Labels.store,
              let manifest = store.superboxes.last(where: { [JUMBFType.manifest, JUMBFType.updateManifest].contains($0.description.uuid) }) else {
            return fail(Codes.storeMalformed, "the store holds no manifest")
        }
        report.manifest = manifest.label
        guard Self.everyBoxIsLabelled(store) else {
            return fail(Codes.storeMalformed, "a box of the manifest store is not requestable by label, as C2PA requires")
        }
        guard let claimBox = manifest.superboxes.first(where: { $0.description.uuid == JUMBFType.claim }),
              [ManifestBuilder.Labels.claim, "c2pa.claim"].contains(claimBox.label ?? ""),
              let claimBytes = claimBox.contentBoxes.first(where: { $0.type == .cbor })?.payload,
              let claim = try? CBOR.decode(claimBytes), claim.mapValue != nil else {
            return fail(Codes.malformed, "the claim is missing or not CBOR")
        }
        guard manifest.child(labeled: ManifestBuilder.Labels.assertions)?.description.uuid == JUMBFType.assertionStore else {
            return fail(Codes.malformed, "the manifest has no assertion store")
        }
        describe(claim: claim)
        await checkSignature(store: store, manifest: manifest, claim: claim, claimBytes: claimBytes, trustAnchors: trustAnchors, now: now)
        checkAssertions(claim: claim, manifest: manifest, store: store)
    }

    /// The claim's generator, title, and (from its assertions) actions and ingredients.
    private mutating func describe(claim: CBOR) {
        if let info = claim["claim_generator_info"].flatMap({ $0.arrayValue?.first ?? $0 }), let name = info["name"]?.textValue {
            report.claimGenerator = info["version"]?.textValue.map { "\(name)/\($0)" } ?? name
        } else {
            report.claimGenerator = claim["claim_generator"]?.textValue
        }
        report.title = claim["dc:title"]?.textValue
    }

    private mutating func checkSignature(store: JUMBFSuperbox, manifest: JUMBFSuperbox, claim: CBOR, claimBytes: [UInt8], trustAnchors: [Certificate], now: Date) async {
        // The claim names its signature box: a manifest or box relabelled after signing no longer resolves.
        let signatureURL = claim["signature"]?.textValue ?? "self#jumbf=\(ManifestBuilder.Labels.signature)"
        guard let box = store.resolve(signatureURL) ?? manifest.resolve(signatureURL), box.description.uuid == JUMBFType.signature,
              manifest.superboxes.contains(box),
              let bytes = box.contentBoxes.first(where: { $0.type == .cbor })?.payload else {
            return fail(Codes.malformed, "the claim signature is missing")
        }
        let cose: COSESign1
        do { cose = try COSESign1(decoding: bytes) } catch {
            return fail(Codes.signatureMismatch, "the claim signature cannot be read: \(error)")
        }
        let chain = cose.certificateChainDER.compactMap { try? Certificate(derEncoded: $0) }
        guard let signer = chain.first, chain.count == cose.certificateChainDER.count else {
            return fail(Codes.credentialInvalid, "the signing certificate chain is missing or unreadable")
        }
        report.signer = CredentialsReport.Signer(commonName: Self.value(of: .RDNAttributeType.commonName, in: signer.subject),
                                                 organization: Self.value(of: .RDNAttributeType.organizationName, in: signer.subject),
                                                 issuer: Self.value(of: .RDNAttributeType.commonName, in: signer.issuer),
                                                 algorithm: cose.algorithm?.description)
        if cose.algorithm == nil { fail(Codes.credentialInvalid, "the signature algorithm is not one C2PA allows") }
        if let problem = SignerProfile.problem(with: signer, now: now) { fail(Codes.credentialInvalid, problem) }
        if !cose.isValidSignature(payload: claimBytes, publicKey: signer.publicKey) {
            fail(Codes.signatureMismatch, "the claim signature does not match the claim")
        }
        if !(await SignerProfile.chainsToAnchor(signer, intermediates: Array(chain.dropFirst()), anchors: trustAnchors, now: now)) {
            fail(Codes.untrusted, "the signer is not on a trust list")
            if report.state == .valid { report.state = .untrusted }
        }
    }

    private mutating func checkAssertions(claim: CBOR, manifest: JUMBFSuperbox, store: JUMBFSuperbox) {
        let references = ["created_assertions", "gathered_assertions", "assertions"].flatMap { claim[$0]?.arrayValue ?? [] }
        var hardBinding = false
        for reference in references {
            guard let url = reference["url"]?.textValue, let expected = reference["hash"]?.bytesValue else {
                fail(Codes.malformed, "a hashed URI lacks its url or hash"); continue
            }
            guard let box = manifest.resolve(url) ?? store.resolve(url), let range = box.payloadRange else {
                fail(Codes.assertionMissing, "\(url) is not in the manifest"); continue
            }
            let label = box.label ?? url
            report.assertionLabels.append(label)
            if !ConstantTimeBytes.equal(Array(SHA256.hash(data: storeBytes[range])), expected) {
                fail(Codes.hashedURIMismatch, "the assertion \(label) does not match its hash in the claim")
            }
            let content = box.contentBoxes.first(where: { $0.type == .cbor }).flatMap { try? CBOR.decode($0.payload) }
            if label == ManifestBuilder.Labels.hashData || label.hasPrefix(ManifestBuilder.Labels.hashData + "__") {
                hardBinding = true
                if let content { checkDataHash(content) } else { fail(Codes.malformed, "c2pa.hash.data is not CBOR") }
            } else if let content {
                AssertionSummary.add(label: label, content: content, to: &report)
            }
        }
        if !hardBinding { fail(Codes.hardBindingMissing, "the claim has no c2pa.hash.data hard binding") }
    }

    /// The file's bytes outside the exclusions must hash to the recorded value, and the exclusions must cover
    /// the manifest store chunk and nothing but it.
    private mutating func checkDataHash(_ content: CBOR) {
        guard let expected = content["hash"]?.bytesValue, let exclusions = content["exclusions"]?.arrayValue else {
            return fail(Codes.malformed, "c2pa.hash.data lacks its hash or exclusions")
        }
        if let alg = content["alg"]?.textValue, alg != "sha256" {
            return fail(Codes.dataHashMismatch, "c2pa.hash.data uses \(alg), which Darkroom does not check")
        }
        var ranges: [Range<Int>] = []
        for exclusion in exclusions {
            guard let start = exclusion["start"]?.intValue, let length = exclusion["length"]?.intValue,
                  start >= 0, length >= 0, start <= file.count - length else {
                return fail(Codes.dataHashMismatch, "an exclusion lies outside the file")
            }
            ranges.append(start..<(start + length))
        }
        guard ranges.contains(where: { $0.contains(chunk.range.lowerBound) && $0.upperBound >= chunk.range.upperBound }) else {
            return fail(Codes.dataHashMismatch, "the exclusions do not cover the manifest store")
        }
        var hasher = SHA256()
        var position = 0
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where range.lowerBound >= position {
            hasher.update(data: file[position..<range.lowerBound])
            position = range.upperBound
        }
        hasher.update(data: file[position...])
        if !ConstantTimeBytes.equal(Array(hasher.finalize()), expected) {
            fail(Codes.dataHashMismatch, "the file's bytes do not match the manifest's hash of them (the picture was changed after signing)")
        }
    }

    /// C2PA's boxes are all requestable and labelled (description toggles 0x03 or more).
    static func everyBoxIsLabelled(_ box: JUMBFSuperbox) -> Bool {
        box.description.requestable && box.label != nil && box.superboxes.allSatisfy(everyBoxIsLabelled)
    }

    static func value(of type: ASN1ObjectIdentifier, in name: DistinguishedName) -> String? {
        for rdn in name { for attribute in rdn where attribute.type == type { return String(describing: attribute.value) } }
        return nil
    }
}
