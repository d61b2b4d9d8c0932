/// The five PNG scanline filters (PNG spec §9), both directions.
enum ScanlineFilter: UInt8, CaseIterable {
    case none = 0, sub = 1, up = 2, average = 3, paeth = 4

    /// The Paeth predictor of PNG §9.4.
    @inline(__always)
    static func paethPredictor(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    /// Reverses this filter on `row` in place, given the reconstructed `previous`
    /// row (all zeros for the first row of a pass) and the pixel `stride` in bytes.
    func unfilter(_ row: UnsafeMutableBufferPointer<UInt8>, previous: UnsafeBufferPointer<UInt8>, stride: Int) {
        let count = row.count
        switch self {
        case .none:
            break
        case .sub:
            if stride < count { for i in stride..<count { row[i] = row[i] &+ row[i - stride] } }
        case .up:
            for i in 0..<count { row[i] = row[i] &+ previous[i] }
        case .average:
            for i in 0..<count {
                let left = i >= stride ? Int(row[i - stride]) : 0
                row[i] = row[i] &+ UInt8((left + Int(previous[i])) >> 1)
            }
        case .paeth:
            for i in 0..<count {
                let left = i >= stride ? Int(row[i - stride]) : 0
                let upLeft = i >= stride ? Int(previous[i - stride]) : 0
                row[i] = row[i] &+ UInt8(ScanlineFilter.paethPredictor(left, Int(previous[i]), upLeft))
            }
        }
    }

    /// Applies this filter to `row` (raw bytes) into `output`, given the raw
    /// `previous` row, and returns the sum of the outputs read as signed bytes'
    /// magnitudes (the minimum-sum-of-absolute-differences heuristic's score).
    func filter(_ row: UnsafeBufferPointer<UInt8>, previous: UnsafeBufferPointer<UInt8>, stride: Int,
                into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let count = row.count
        let head = min(stride, count)  // bytes without a left neighbour
        var score = 0
        @inline(__always) func store(_ i: Int, _ predicted: Int) {
            let value = UInt8(truncatingIfNeeded: Int(row[i]) &- predicted)
            output[i] = value
            let signed = Int(Int8(bitPattern: value))
            score &+= signed < 0 ? -signed : signed
        }
        switch self {
        case .none:
            for i in 0..<count { store(i, 0) }
        case .sub:
            for i in 0..<head { store(i, 0) }
            for i in head..<count { store(i, Int(row[i - stride])) }
        case .up:
            for i in 0..<count { store(i, Int(previous[i])) }
        case .average:
            for i in 0..<head { store(i, Int(previous[i]) >> 1) }
            for i in head..<count { store(i, (Int(row[i - stride]) + Int(previous[i])) >> 1) }
        case .paeth:
            for i in 0..<head { store(i, Int(previous[i])) }
            for i in head..<count {
                store(i, ScanlineFilter.paethPredictor(Int(row[i - stride]), Int(previous[i]), Int(previous[i - stride])))
            }
        }
        return score
    }
}
