/// Why bytes are not one acceptable JUMBF superbox. Every offset counts bytes from the start of
/// the input handed to the decoder.
public enum JUMBFError: Error, Hashable, Sendable {
    /// A box header or description field needs bytes past `offset`, where its enclosing box (or
    /// the input) ends.
    case truncated(offset: Int)
    /// The box at `offset` declares a size smaller than its own header (an `LBox` of 2 to 7, or
    /// an `XLBox` below 16).
    case invalidBoxSize(offset: Int, size: UInt64)
    /// The box at `offset` declares `size` bytes but only `available` remain in its enclosing box
    /// (or the input).
    case boxOverflow(offset: Int, size: UInt64, available: Int)
    /// The box at `offset` has type `found` where only `expected` may appear (a superbox that is
    /// not `jumb`, a first child that is not `jumd`, a `bfdb` reader handed another box).
    case unexpectedType(offset: Int, expected: FourCC, found: FourCC)
    /// A second description box at `offset`: only a superbox's first child may be `jumd`.
    case misplacedDescription(offset: Int)
    /// The toggle byte at `offset` sets bits that the format reserves.
    case reservedToggles(offset: Int, toggles: UInt8)
    /// The string that starts at `offset` has no terminating NUL before its box ends.
    case unterminatedString(offset: Int)
    /// The string that starts at `offset` is not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// A box or box payload is complete at `offset` but more bytes follow within its bounds.
    case trailingBytes(offset: Int)
    /// The superbox at `offset` is nested deeper than the limit allows.
    case tooDeep(offset: Int, limit: Int)
    /// The box at `offset` would make more boxes than the limit allows.
    case tooManyBoxes(offset: Int, limit: Int)
}
