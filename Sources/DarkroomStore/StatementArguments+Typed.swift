import GRDB

extension StatementArguments {
    /// Arguments from an array of one convertible type (`[String]`, `[DatabaseValue]`, …), bound as they are.
    ///
    /// `StatementArguments(array)` with an array argument resolves to GRDB's failable `init?(_: [Any])`:
    /// Swift prefers that non-generic overload to the generic one, and it casts every element
    /// dynamically (a protocol-conformance lookup per value: 16% of inserting a generation row,
    /// measured). Passing a slice selects the generic initializer.
    public init<Value: DatabaseValueConvertible>(typed values: [Value]) {
        self.init(values[...])
    }
}
