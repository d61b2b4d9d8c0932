/// A JUMBF superbox (`jumb`): a description box, then content boxes and nested superboxes.
/// A C2PA manifest store is one, holding manifests, which hold assertion stores, claims and
/// signatures.
///
/// Equality and hashing compare content only, not where a decoded superbox came from.
public struct JUMBFSuperbox: Hashable, Sendable {
    /// The description box: type UUID, label and optional fields.
    public var description: JUMBFDescription
    /// The boxes after the description, in order.
    public var children: [JUMBFNode]
    /// For a decoded superbox, the bytes of the whole box (header included) in the decoder's input.
    public internal(set) var range: Range<Int>?
    /// For a decoded superbox, the bytes of its payload (description box and children, header
    /// excluded) in the decoder's input: what C2PA hashes for an assertion.
    public internal(set) var payloadRange: Range<Int>?

    /// Makes a superbox from its description and children.
    public init(description: JUMBFDescription, children: [JUMBFNode] = []) {
        self.description = description
        self.children = children
    }

    /// The description's label.
    public var label: String? { description.label }

    /// The child superboxes, in order.
    public var superboxes: [JUMBFSuperbox] {
        children.compactMap { if case .superbox(let box) = $0 { box } else { nil } }
    }

    /// The child content boxes, in order.
    public var contentBoxes: [JUMBFContentBox] {
        children.compactMap { if case .content(let box) = $0 { box } else { nil } }
    }

    /// The first child superbox labelled `label`, else nil.
    public func child(labeled label: String) -> JUMBFSuperbox? {
        for case .superbox(let box) in children where box.label.map({ $0.utf8.elementsEqual(label.utf8) }) == true {
            return box
        }
        return nil
    }

    /// The superbox a C2PA JUMBF URI names, else nil.
    ///
    /// A leading `self#jumbf=` is dropped. A relative path such as
    /// `c2pa.assertions/c2pa.hash.data` walks child labels down from this superbox (as a
    /// manifest resolves its own URIs); an absolute path such as
    /// `/c2pa/urn:c2pa:…/c2pa.claim` must start with this superbox's label (as the manifest
    /// store resolves any URI). An empty path names this superbox; an empty segment names nothing.
    public func resolve(_ uri: String) -> JUMBFSuperbox? {
        let prefix = "self#jumbf="
        var path = Substring(uri)
        if path.hasPrefix(prefix) { path = path.dropFirst(prefix.count) }
        if path.isEmpty { return self }
        var segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if path.first == "/" {
            segments.removeFirst()
            guard let first = segments.first, let label, first.utf8.elementsEqual(label.utf8) else { return nil }
            segments.removeFirst()
        }
        var current = self
        for segment in segments {
            guard !segment.isEmpty, let next = current.child(labeled: String(segment)) else { return nil }
            current = next
        }
        return current
    }

    /// The whole box: header, description box, then children.
    public func encoded() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(encodedLength)
        append(to: &output)
        return output
    }

    /// The payload alone (description box, then children), as C2PA hashes an assertion.
    public func encodedPayload() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(payloadLength)
        appendPayload(to: &output)
        return output
    }

    /// The length of `encodedPayload()`.
    var payloadLength: Int {
        children.reduce(description.encodedLength) { $0 + $1.encodedLength }
    }

    /// The length of `encoded()`.
    var encodedLength: Int {
        let payloadLength = payloadLength
        return BoxHeader.headerLength(payloadLength: payloadLength) + payloadLength
    }

    /// Appends the whole box to `output`.
    func append(to output: inout [UInt8]) {
        BoxHeader.append(type: .jumb, payloadLength: payloadLength, to: &output)
        appendPayload(to: &output)
    }

    /// Appends the payload to `output`.
    func appendPayload(to output: inout [UInt8]) {
        description.append(to: &output)
        for child in children { child.append(to: &output) }
    }

    /// Whether two superboxes have the same description and children.
    public static func == (lhs: JUMBFSuperbox, rhs: JUMBFSuperbox) -> Bool {
        lhs.description == rhs.description && lhs.children == rhs.children
    }

    /// Hashes description and children, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
        hasher.combine(children)
    }
}
