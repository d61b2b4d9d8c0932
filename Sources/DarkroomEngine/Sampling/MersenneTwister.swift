/// The 32-bit Mersenne Twister (MT19937) exactly as PyTorch's CPU generator
/// runs it: seeded from the low 32 bits of a 64-bit seed with the standard
/// Knuth initialisation, twisted lazily on the first draw.
struct MersenneTwister: Sendable {
    private static let stateSize = 624
    private static let shift = 397

    private var state: [UInt32]
    private var index: Int

    /// Seeds the engine as `torch.Generator.manual_seed(seed)` does (only the
    /// low 32 bits of `seed` reach the state).
    init(seed: UInt64) {
        var state = [UInt32](repeating: 0, count: Self.stateSize)
        state[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<Self.stateSize {
            let previous = state[j - 1]
            state[j] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(j)
        }
        self.state = state
        self.index = Self.stateSize
    }

    /// The next 32-bit output.
    mutating func next() -> UInt32 {
        if index >= Self.stateSize { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        let n = Self.stateSize
        state.withUnsafeMutableBufferPointer { s in
            for i in 0..<n {
                let mixed = (s[i] & 0x8000_0000) | (s[(i + 1) % n] & 0x7FFF_FFFF)
                var value = s[(i + Self.shift) % n] ^ (mixed >> 1)
                if mixed & 1 != 0 { value ^= 0x9908_B0DF }
                s[i] = value
            }
        }
        index = 0
    }
}
