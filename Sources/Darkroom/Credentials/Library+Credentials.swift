import DarkroomCredentials
import DarkroomEngine
import DarkroomImaging
import DarkroomLibrarySync
import DarkroomStore
import Foundation

/// Darkroom's name and version as Content Credentials name the software (claim generator, software agent).
public enum DarkroomSoftware {
    /// The product name.
    public static let name = "Darkroom"
    /// The version (the engine's release).
    public static let version = DarkroomEngineInfo.version
    /// Both, as C2PA's generator info.
    public static var info: GeneratorInfo { GeneratorInfo(name: name, version: version) }
}

extension Library {
    /// The keystore of this library's own credentials authority and device certificate.
    var credentialsKeystore: CredentialsKeystore {
        CredentialsKeystore(folder: folder, libraryID: info.libraryID, deviceID: info.deviceID, keyDirectory: keyDirectory)
    }

    /// How this library signs Content Credentials, from the settings.
    public struct CredentialsConfiguration: Sendable, Equatable {
        /// Whether the signed manifest holds the prompt and negative prompt (`credentials.include_prompt`, default false).
        public var includePrompt = false
        /// An organisation's certificate chain (PEM, signer first) to sign with instead of the library's own (`credentials.certificate`).
        public var certificate: URL?
        /// The private key of ``certificate`` (`credentials.key`).
        public var key: URL?
    }

    /// The credentials settings.
    public func credentialsConfiguration() async throws -> CredentialsConfiguration {
        try await librarySettings().credentials
    }

    /// Who signs this library's pictures: the organisation's certificate and key when both settings name
    /// them, else the library's own device certificate (made on first use).
    ///
    /// - Throws: ``LibraryError/credentialsUnavailable(_:)`` when the configured files cannot be used.
    public func credentialsSigner() async throws -> SigningIdentity {
        let configuration = try await credentialsConfiguration()
        if let certificate = configuration.certificate, let key = configuration.key {
            do {
                return try SigningIdentity(certificatesPEM: String(contentsOf: certificate, encoding: .utf8),
                                           keyPEM: String(contentsOf: key, encoding: .utf8))
            } catch {
                throw LibraryError.credentialsUnavailable("\(certificate.path) / \(key.path): \(error)")
            }
        }
        if (configuration.certificate == nil) != (configuration.key == nil) {
            throw LibraryError.credentialsUnavailable("credentials.certificate and credentials.key must be set together")
        }
        do { return try credentialsKeystore.deviceIdentity() } catch {
            throw LibraryError.credentialsUnavailable("\(credentialsKeystore.directory.path): \(error)")
        }
    }

    /// The certificates this library trusts as signers: its own authority, the authorities of the library's other active
    /// devices (learnt by `sync run`), and the root of a configured organisation chain.
    public func credentialsTrustAnchors() async -> [String] {
        var anchors: [String] = []
        if let own = credentialsKeystore.authorityPEM() { anchors.append(own) }
        anchors += (try? await LibrarySync.trustedAuthorities(in: database)) ?? []
        if let certificate = try? await credentialsConfiguration().certificate,
           let chain = try? String(contentsOf: certificate, encoding: .utf8) { anchors.append(chain) }
        return anchors
    }

    /// This library's credentials authority certificate (PEM), made first when the library has none yet.
    package func credentialsAuthorityPEM() -> String? {
        if let pem = credentialsKeystore.authorityPEM() { return pem }
        _ = try? credentialsKeystore.deviceIdentity()
        return credentialsKeystore.authorityPEM()
    }

    /// Checks again the stored verdicts of signed pictures (after the trusted signers changed), from their files.
    package func recheckStoredCredentials() async throws {
        let signed = try await database.signedPictures()
        for (hash, path) in signed {
            guard let file = try? Data(contentsOf: url(of: path)) else { continue }   // a lazy picture: read when it arrives
            let verdict = Self.stored(await credentials(ofFile: file))
            try await database.recordCredentials(verdict, forImage: hash)
        }
    }

    /// What `file`'s Content Credentials say, checked against this library's trust anchors.
    public func credentials(ofFile file: Data) async -> CredentialsReport {
        let anchors = await credentialsTrustAnchors().flatMap(CredentialsVerifier.anchors(fromPEM:))
        return await CredentialsVerifier(trustAnchors: anchors).verify([UInt8](file))
    }

    /// What the picture of `item` says about itself (read from the file now).
    public func credentials(of item: GalleryItem) async throws -> CredentialsReport {
        guard let image = item.image else { throw LibraryError.invalidArgument("\(item.id.prefix(8)) has no picture.") }
        guard let data = try? Data(contentsOf: url(of: image.path)) else { throw LibraryError.missingImageFile(path: image.path) }
        return await credentials(ofFile: data)
    }

    /// The manifest Darkroom signs for a generation, by what it started from:
    /// - text-to-image: `c2pa.created` by a generative model (`trainedAlgorithmicMedia`), Darkroom as software agent;
    ///   a variation's or rerun's parent as an `inputTo` ingredient;
    /// - image-to-image: `c2pa.created` the same way, the starting picture as an `inputTo` ingredient;
    /// - inpainting: `c2pa.opened` of the starting picture (`parentOf`), then `c2pa.edited` with
    ///   `compositeWithTrainedAlgorithmicMedia` and the mask as an `inputTo` ingredient.
    /// The settings go in `app.darkroom.generation`, with the prompts only when `includePrompt`.
    static func manifestDefinition(for generation: GenerationRecord, includePrompt: Bool) -> ManifestDefinition {
        let inputs = GenerationInputs(storedJSON: generation.inputs)
        func ingredient(_ id: GenerationID, _ relationship: String) -> ManifestIngredient {
            ManifestIngredient(title: "darkroom-\(id.rawValue.prefix(12)).png", relationship: relationship, instanceID: "darkroom:generation:\(id)")
        }
        var ingredients: [ManifestIngredient] = []
        var actions: [ManifestAction] = []
        if let start = inputs?.initImage, let mask = inputs?.mask {
            ingredients = [ingredient(start.generationID, ManifestIngredient.parentOf), ingredient(mask.generationID, ManifestIngredient.inputTo)]
            actions = [ManifestAction(action: ManifestAction.opened, softwareAgent: DarkroomSoftware.info, ingredients: [0]),
                       ManifestAction(action: ManifestAction.edited, digitalSourceType: DigitalSourceType.compositeWithTrainedAlgorithmicMedia,
                                      softwareAgent: DarkroomSoftware.info, ingredients: [1],
                                      description: "Repainted the masked part with a generative model (inpainting)")]
        } else {
            let parent = inputs?.initImage?.generationID ?? generation.parentID
            ingredients = parent.map { [ingredient($0, ManifestIngredient.inputTo)] } ?? []
            let description = inputs?.initImage != nil ? "Generated from a text prompt and a starting picture (image-to-image)"
                : parent == nil ? "Generated from a text prompt" : "Generated from a text prompt as a variation of an earlier picture"
            actions = [ManifestAction(action: ManifestAction.created, digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia,
                                      softwareAgent: DarkroomSoftware.info, ingredients: Array(ingredients.indices), description: description)]
        }
        return ManifestDefinition(generator: DarkroomSoftware.info, title: "darkroom-\(generation.id.rawValue.prefix(12)).png",
                                  actions: actions, ingredients: ingredients,
                                  assertions: [CustomAssertion(label: "app.darkroom.generation",
                                                               content: generationAssertion(generation, includePrompt: includePrompt))])
    }

    /// Darkroom's assertion: model name and hash, sampler, steps, guidance, size, seed (and the prompts when asked).
    static func generationAssertion(_ g: GenerationRecord, includePrompt: Bool) -> CBOR {
        var fields: [CBOR.Pair] = []
        func add(_ key: String, _ value: CBOR?) { if let value { fields.append(CBOR.Pair(.text(key), value)) } }
        add("model", g.modelID.map(CBOR.text))
        add("model_hash", g.modelHash.map(CBOR.text))
        add("sampler", g.scheduler.map(CBOR.text))
        add("steps", g.steps.map { CBOR($0) })
        add("guidance", g.guidance.map(CBOR.float))
        add("width", g.width.map { CBOR($0) })
        add("height", g.height.map { CBOR($0) })
        add("seed", g.seed.map { .unsigned(UInt64(bitPattern: $0)) })
        add("engine_version", g.engineVersion.map(CBOR.text))
        if let inputs = GenerationInputs(storedJSON: g.inputs) {
            add("strength", inputs.initImage == nil ? nil : inputs.strength.map(CBOR.float))
            if !inputs.loras.isEmpty {
                add("loras", .array(inputs.loras.map { .map([CBOR.Pair("name", .text($0.name)), CBOR.Pair("sha256", .text($0.sha256)),
                                                            CBOR.Pair("scale", .float($0.scale))]) }))
            }
        }
        if includePrompt {
            add("prompt", .text(g.prompt))
            if !g.negativePrompt.isEmpty { add("negative_prompt", .text(g.negativePrompt)) }
        }
        return .map(fields)
    }

    /// `png` signed for `generation` by this library's signer.
    func signedPicture(_ png: Data, for generation: GenerationRecord, includePrompt: Bool) async throws -> Data {
        let signer = try await credentialsSigner()
        return Data(try PNGCredentials.sign([UInt8](png), definition: Self.manifestDefinition(for: generation, includePrompt: includePrompt),
                                             identity: signer))
    }

    /// What to store about a report (schema step 0010).
    static func stored(_ report: CredentialsReport) -> StoredCredentials {
        let json = (try? JSONEncoder().encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return StoredCredentials(state: StoredCredentials.State(rawValue: report.state.rawValue) ?? .none,
                                 aiGenerated: report.aiGenerated, reportJSON: json)
    }

    /// What the library recorded about the credentials of the picture `imageHash`, if they were read.
    public func storedCredentials(forImage imageHash: String) async throws -> CredentialsReport? {
        try await database.credentials(forImage: imageHash)
            .flatMap { try? JSONDecoder().decode(CredentialsReport.self, from: Data($0.reportJSON.utf8)) }
    }
}
