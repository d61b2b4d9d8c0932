extension CBOR {
    /// Bounds the decoder enforces on hostile input.
    ///
    /// Memory is bounded by the input's size whatever the limits: a declared length never makes
    /// the decoder reserve more than the remaining input could fill.
    public struct Limits: Hashable, Sendable {
        /// How deep arrays, maps and tags may nest; the top-level item has depth 0.
        /// This also bounds the decoder's recursion.
        public var maxDepth: Int
        /// How many data items the whole input may hold, nested ones and map keys included.
        public var maxItems: Int

        /// Makes limits from their two bounds.
        public init(maxDepth: Int, maxItems: Int) {
            self.maxDepth = maxDepth
            self.maxItems = maxItems
        }

        /// Depth 64 and one million items.
        public static let `default` = Limits(maxDepth: 64, maxItems: 1_000_000)
    }
}
