import Crypto
import Foundation

/// Builds a signed C2PA manifest store (JUMBF) for one asset: an assertion store (actions,
/// ingredients, the definition's own assertions and the `c2pa.hash.data` hard binding), a
/// `c2pa.claim.v2` that lists every assertion by hashed URI, and a COSE_Sign1 claim signature.
///
/// The store's size depends only on the definition and the key, never on the file hash or the
/// signature bytes, so ``PNGCredentials`` can lay the file out before hashing it.
struct ManifestBuilder {
    /// What the manifest says.
    var definition: ManifestDefinition
    /// Who signs it.
    var identity: SigningIdentity
    /// The manifest's label, `urn:c2pa:UUID`.
    var manifestLabel: String

    /// The labels C2PA defines.
    enum Labels {
        static let store = "c2pa"
        static let assertions = "c2pa.assertions"
        static let claim = "c2pa.claim.v2"
        static let signature = "c2pa.signature"
        static let actions = "c2pa.actions.v2"
        static let hashData = "c2pa.hash.data"
        static let ingredient = "c2pa.ingredient.v3"
    }

    /// A builder with a fresh manifest label.
    init(definition: ManifestDefinition, identity: SigningIdentity) {
        self.definition = definition
        self.identity = identity
        self.manifestLabel = "urn:c2pa:\(UUID().uuidString.lowercased())"
    }

    /// The whole manifest store: the hard binding excludes `exclusion` and holds `fileHash` (SHA-256
    /// of the file without the excluded bytes). With `sign: false` the signature is zeros of the
    /// right length (for sizing the store).
    func store(exclusion: Range<Int>, fileHash: [UInt8], sign: Bool) throws -> [UInt8] {
        let assertions = assertionBoxes(exclusion: exclusion, fileHash: fileHash)
        let references: [CBOR] = assertions.map { box in
            .map([CBOR.Pair("url", .text("self#jumbf=\(Labels.assertions)/\(box.label ?? "")")),
                  CBOR.Pair("hash", .bytes(Array(SHA256.hash(data: box.encodedPayload()))))])
        }
        var claim: [CBOR.Pair] = [
            CBOR.Pair("instanceID", .text("xmp:iid:\(UUID().uuidString.lowercased())")),
            CBOR.Pair("claim_generator_info", definition.generator.cbor),
            CBOR.Pair("signature", .text("self#jumbf=/\(Labels.store)/\(manifestLabel)/\(Labels.signature)")),
            CBOR.Pair("created_assertions", .array(references)),
        ]
        if let title = definition.title { claim.append(CBOR.Pair("dc:title", .text(title))) }
        claim.append(CBOR.Pair("alg", "sha256"))
        let claimBytes = CBOR.map(claim).encoded()
        let signature = sign
            ? try COSESign1.sign(payload: claimBytes, identity: identity)
            : try COSESign1.placeholder(for: identity)
        let manifest = JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.manifest, label: manifestLabel), children: [
            .superbox(JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.assertionStore, label: Labels.assertions),
                                    children: assertions.map { .superbox($0) })),
            .superbox(JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.claim, label: Labels.claim),
                                    children: [.content(JUMBFContentBox(type: .cbor, payload: claimBytes))])),
            .superbox(JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.signature, label: Labels.signature),
                                    children: [.content(JUMBFContentBox(type: .cbor, payload: signature.encoded()))])),
        ])
        return JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.manifestStore, label: Labels.store),
                             children: [.superbox(manifest)]).encoded()
    }

    /// The assertion superboxes, in the order the claim lists them.
    func assertionBoxes(exclusion: Range<Int>, fileHash: [UInt8]) -> [JUMBFSuperbox] {
        var boxes: [JUMBFSuperbox] = []
        let ingredientLabels = definition.ingredients.indices.map { $0 == 0 ? Labels.ingredient : "\(Labels.ingredient)__\($0)" }
        for (ingredient, label) in zip(definition.ingredients, ingredientLabels) {
            var fields: [CBOR.Pair] = [CBOR.Pair("dc:title", .text(ingredient.title)), CBOR.Pair("dc:format", .text(ingredient.format)),
                                       CBOR.Pair("relationship", .text(ingredient.relationship))]
            if let id = ingredient.instanceID { fields.append(CBOR.Pair("instanceID", .text(id))) }
            boxes.append(Self.cborAssertion(label: label, content: .map(fields)))
        }
        let ingredientReferences = boxes.map { box in
            CBOR.map([CBOR.Pair("url", .text("self#jumbf=\(Labels.assertions)/\(box.label ?? "")")),
                      CBOR.Pair("hash", .bytes(Array(SHA256.hash(data: box.encodedPayload()))))])
        }
        let actions: [CBOR] = definition.actions.map { action in
            var fields = [CBOR.Pair("action", .text(action.action))]
            if let agent = action.softwareAgent { fields.append(CBOR.Pair("softwareAgent", agent.cbor)) }
            if let type = action.digitalSourceType { fields.append(CBOR.Pair("digitalSourceType", .text(type))) }
            if let description = action.description { fields.append(CBOR.Pair("description", .text(description))) }
            let used = action.ingredients.filter(ingredientReferences.indices.contains).map { ingredientReferences[$0] }
            if !used.isEmpty { fields.append(CBOR.Pair("parameters", .map([CBOR.Pair("ingredients", .array(used))]))) }
            return .map(fields)
        }
        boxes.append(Self.cborAssertion(label: Labels.actions, content: .map([CBOR.Pair("actions", .array(actions))])))
        for assertion in definition.assertions { boxes.append(Self.cborAssertion(label: assertion.label, content: assertion.content)) }
        boxes.append(Self.cborAssertion(label: Labels.hashData, content: .map([
            CBOR.Pair("exclusions", .array([.map([CBOR.Pair("start", CBOR(exclusion.lowerBound)),
                                                  CBOR.Pair("length", CBOR(exclusion.count))])])),
            CBOR.Pair("name", "jumbf manifest"),
            CBOR.Pair("alg", "sha256"),
            CBOR.Pair("hash", .bytes(fileHash)),
            CBOR.Pair("pad", .bytes([])),
        ])))
        return boxes
    }

    /// A CBOR assertion superbox: description (type `cbor`, the label) and one `cbor` content box.
    static func cborAssertion(label: String, content: CBOR) -> JUMBFSuperbox {
        JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.cbor, label: label),
                      children: [.content(JUMBFContentBox(type: .cbor, payload: content.encoded()))])
    }
}

extension COSESign1 {
    /// A structure of the size `identity` signs with, signature all zeros (for laying out a file).
    static func placeholder(for identity: SigningIdentity) throws -> COSESign1 {
        var signed = try sign(payload: [], identity: identity)
        signed.signature = [UInt8](repeating: 0, count: identity.key.signatureLength)
        return signed
    }
}
