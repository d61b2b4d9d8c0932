/// What a manifest says about a picture: who made the claim, what was done, from which ingredients,
/// and any other assertions. ``ManifestBuilder`` turns it into a signed C2PA manifest store.
public struct ManifestDefinition: Sendable, Equatable {
    /// The software that makes the claim (`claim_generator_info`).
    public var generator: GeneratorInfo
    /// The asset's title (`dc:title`), if any.
    public var title: String?
    /// The actions, in order (`c2pa.actions.v2`). The first must be `c2pa.created` or `c2pa.opened`.
    public var actions: [ManifestAction]
    /// Ingredients (`c2pa.ingredient.v3`), referred to by actions by their index.
    public var ingredients: [ManifestIngredient]
    /// Further CBOR assertions, written as they are (for example Darkroom's generation settings).
    public var assertions: [CustomAssertion]

    /// A definition with every field given.
    public init(generator: GeneratorInfo, title: String? = nil, actions: [ManifestAction],
                ingredients: [ManifestIngredient] = [], assertions: [CustomAssertion] = []) {
        self.generator = generator
        self.title = title
        self.actions = actions
        self.ingredients = ingredients
        self.assertions = assertions
    }
}

/// A piece of software named in a manifest (`claim_generator_info`, an action's `softwareAgent`).
public struct GeneratorInfo: Sendable, Equatable, Codable {
    /// Its name, e.g. `Darkroom`.
    public var name: String
    /// Its version, if known.
    public var version: String?

    /// Names a piece of software.
    public init(name: String, version: String? = nil) {
        self.name = name
        self.version = version
    }

    var cbor: CBOR {
        var pairs = [CBOR.Pair("name", .text(name))]
        if let version { pairs.append(CBOR.Pair("version", .text(version))) }
        return .map(pairs)
    }
}

/// One action of `c2pa.actions.v2`.
public struct ManifestAction: Sendable, Equatable {
    /// The action, e.g. ``created``.
    public var action: String
    /// The IPTC digital source type URI (required with `c2pa.created`).
    public var digitalSourceType: String?
    /// The software that performed it.
    public var softwareAgent: GeneratorInfo?
    /// Indices into ``ManifestDefinition/ingredients`` this action used.
    public var ingredients: [Int]
    /// A human-readable description.
    public var description: String?

    /// An action with every field given.
    public init(action: String, digitalSourceType: String? = nil, softwareAgent: GeneratorInfo? = nil,
                ingredients: [Int] = [], description: String? = nil) {
        self.action = action
        self.digitalSourceType = digitalSourceType
        self.softwareAgent = softwareAgent
        self.ingredients = ingredients
        self.description = description
    }

    /// `c2pa.created`: the asset was made from nothing earlier (a generation from a prompt).
    public static let created = "c2pa.created"
    /// `c2pa.opened`: an existing asset (the `parentOf` ingredient) was opened to work on.
    public static let opened = "c2pa.opened"
    /// `c2pa.edited`: the asset was changed.
    public static let edited = "c2pa.edited"
}

/// An ingredient: an asset that went into this one.
public struct ManifestIngredient: Sendable, Equatable {
    /// Its title (`dc:title`), e.g. a file name.
    public var title: String
    /// Its media type (`dc:format`).
    public var format: String
    /// `parentOf`, `componentOf` or `inputTo`.
    public var relationship: String
    /// An identifier of the ingredient (`instanceID`).
    public var instanceID: String?

    /// An ingredient with every field given.
    public init(title: String, format: String = "image/png", relationship: String, instanceID: String? = nil) {
        self.title = title
        self.format = format
        self.relationship = relationship
        self.instanceID = instanceID
    }

    /// The asset this one was made from by editing it.
    public static let parentOf = "parentOf"
    /// An asset used as input to the process that made this one (a generation's parent, an input picture).
    public static let inputTo = "inputTo"
}

/// An assertion written as given: a label (`app.darkroom.generation`) and its CBOR content.
public struct CustomAssertion: Sendable, Equatable {
    /// The assertion's label.
    public var label: String
    /// Its content.
    public var content: CBOR

    /// An assertion with its label and content.
    public init(label: String, content: CBOR) {
        self.label = label
        self.content = content
    }
}

/// IPTC digital source types C2PA uses for `c2pa.created`.
public enum DigitalSourceType {
    /// Made by a generative model trained on sampled content (what Darkroom writes).
    public static let trainedAlgorithmicMedia = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    /// A composite that includes generated elements.
    public static let compositeWithTrainedAlgorithmicMedia = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
    /// The older IPTC term for generated media.
    public static let algorithmicMedia = "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"
    /// Those that mean a generative model made the picture, in full or in part.
    public static let generative: Set<String> = [trainedAlgorithmicMedia, compositeWithTrainedAlgorithmicMedia, algorithmicMedia,
        "http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic"]
}
