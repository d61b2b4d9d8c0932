extension JUMBFSuperbox {
    /// Bounds the decoder enforces on hostile input. Memory is bounded by the input's size
    /// whatever the limits.
    public struct Limits: Hashable, Sendable {
        /// How deep superboxes may nest; the outermost superbox has depth 0. This also bounds
        /// the decoder's recursion.
        public var maxDepth: Int
        /// How many boxes the input may hold, description and private boxes included.
        public var maxBoxes: Int

        /// Makes limits from their two bounds.
        public init(maxDepth: Int, maxBoxes: Int) {
            self.maxDepth = maxDepth
            self.maxBoxes = maxBoxes
        }

        /// Depth 32 and 100,000 boxes.
        public static let `default` = Limits(maxDepth: 32, maxBoxes: 100_000)
    }
}
