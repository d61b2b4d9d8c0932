import Foundation

/// A hybrid logical clock reading: physical milliseconds, a counter for events within the
/// same millisecond, and the device that made it as the final tie-break. Totally ordered.
public struct HLCTimestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970 (the largest wall-clock reading seen so far).
    public var physicalMs: UInt64
    /// Orders events that share `physicalMs`.
    public var counter: UInt32
    /// The device that issued this reading.
    public var device: DeviceID

    /// A reading with explicit parts.
    public init(physicalMs: UInt64, counter: UInt32, device: DeviceID) {
        self.physicalMs = physicalMs
        self.counter = counter
        self.device = device
    }

    /// Orders by physical time, then counter, then device id.
    public static func < (a: HLCTimestamp, b: HLCTimestamp) -> Bool {
        (a.physicalMs, a.counter, a.device.rawValue) < (b.physicalMs, b.counter, b.device.rawValue)
    }

    /// `physicalMs.counter@device`.
    public var description: String { "\(physicalMs).\(counter)@\(device)" }
}

/// A hybrid logical clock (Kulkarni et al., 2014) for one device: readings never go
/// backwards even when the wall clock does, stay close to wall time, and after
/// `receive` are later than every reading seen from other devices.
public struct HybridLogicalClock: Sendable, Codable, Equatable {
    /// The device whose readings this clock issues.
    public let device: DeviceID
    /// The latest reading issued or received (persist it with the library).
    public private(set) var last: HLCTimestamp
    /// Remote readings further ahead of the local wall clock than this are refused, so one
    /// device with a wrong date cannot drag every clock into the future.
    public var maximumDriftMs: UInt64

    /// A clock that has issued nothing yet.
    public init(device: DeviceID, maximumDriftMs: UInt64 = 24 * 3600 * 1000) {
        self.device = device
        self.last = HLCTimestamp(physicalMs: 0, counter: 0, device: device)
        self.maximumDriftMs = maximumDriftMs
    }

    /// The wall clock in milliseconds since 1970.
    public static func wallClockMs() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }

    /// A reading for a local event: later than every earlier reading of this clock.
    public mutating func now(wallClockMs: UInt64 = HybridLogicalClock.wallClockMs()) -> HLCTimestamp {
        if wallClockMs > last.physicalMs {
            last = HLCTimestamp(physicalMs: wallClockMs, counter: 0, device: device)
        } else if last.counter == UInt32.max {
            // 2^32 events in one millisecond: borrow the next millisecond rather than overflow.
            last = HLCTimestamp(physicalMs: last.physicalMs + 1, counter: 0, device: device)
        } else {
            last = HLCTimestamp(physicalMs: last.physicalMs, counter: last.counter + 1, device: device)
        }
        return last
    }

    /// Merges a reading received from another device and returns a reading later than both
    /// it and everything this clock issued before.
    /// - Throws: `SyncError.clockDrift` if `remote` is more than `maximumDriftMs` ahead of the wall clock.
    public mutating func receive(_ remote: HLCTimestamp, wallClockMs: UInt64 = HybridLogicalClock.wallClockMs()) throws -> HLCTimestamp {
        if remote.physicalMs > wallClockMs, remote.physicalMs - wallClockMs > maximumDriftMs {
            throw SyncError.clockDrift(remoteMs: remote.physicalMs, localMs: wallClockMs, maximumMs: maximumDriftMs)
        }
        guard remote.counter < UInt32.max, last.counter < UInt32.max else {
            throw SyncError.malformed("clock counter \(remote.counter) is at its maximum")
        }
        let physical = max(wallClockMs, last.physicalMs, remote.physicalMs)
        let counter: UInt32
        if physical == last.physicalMs && physical == remote.physicalMs {
            counter = max(last.counter, remote.counter) + 1
        } else if physical == last.physicalMs {
            counter = last.counter + 1
        } else if physical == remote.physicalMs {
            counter = remote.counter + 1
        } else {
            counter = 0
        }
        last = HLCTimestamp(physicalMs: physical, counter: counter, device: device)
        return last
    }
}
