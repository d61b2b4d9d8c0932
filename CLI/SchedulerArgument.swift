import ArgumentParser
import Darkroom

/// `--scheduler` takes the engine's own sampler names, so help and shell completion list them and an
/// unknown name is refused before anything runs.
extension SchedulerKind: ExpressibleByArgument {
    public var defaultValueDescription: String { rawValue }
}
