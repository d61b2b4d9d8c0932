import Foundation
import Testing

/// `darkroom settings`: every known key takes its values and refuses others with the reason and the
/// allowed values; unknown keys need --force; `unset` says what it did (issue 32, item 3).
@Suite struct SettingsCommandTests {
    /// For each known key: a value it takes, the JSON it stores, and a value it refuses.
    static let cases: [(key: String, good: String, stored: String, bad: String, allowed: String)] = [
        ("generate.steps", "12", "12", "abc", "a whole number from 1 to 1000"),
        ("generate.steps", "1000", "1000", "1001", "from 1 to 1000"),
        ("generate.guidance", "7.5", "7.5", "lots", "a number from 0 to 50"),
        ("generate.scheduler", "DDIM", "\"ddim\"", "heun", "one of: ddim, euler, euler-a, dpmpp-2m, dpmpp-2m-karras, lcm"),
        ("generate.scheduler", "DPM++ 2M Karras", "\"dpmpp-2m-karras\"", "", "one of: ddim"),
        ("generate.size", "512X768", "\"512x768\"", "100", "WIDTHxHEIGHT"),
        ("generate.size", "64x64", "\"64x64\"", "100x100", "multiple of 8"),
        ("generate.model", "default", "null", "/no/such/model", "model_index.json"),
        ("generate.seed_mode", "Fixed", "\"fixed\"", "sometimes", "one of: random, fixed"),
        ("generate.seed", "18446744073709551615", "18446744073709551615", "18446744073709551616", "from 0 to 18446744073709551615"),
        ("generate.seed", "0", "0", "-1", "from 0 to"),
        ("trash.retention_days", "7", "7", "0", "a whole number from 1 to 36500"),
        ("safety.enabled", "true", "true", "maybe", "true or false"),
        ("safety.blocklist", "alpha, beta", "[\"alpha\",\"beta\"]", "[1,2]", "array of words"),
        ("safety.skin_threshold", "0.7", "0.7", "2", "a number from 0.01 to 1"),
        ("sync.pictures", "lazy", "\"lazy\"", "sometimes", "one of: eager, lazy"),
    ]

    @Test func everyKnownKeyTakesAGoodValueAndRefusesABadOneWithTheAllowedValues() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).code == 0)
        for c in Self.cases {
            let good = try cli.run(["settings", "set", c.key, c.good])
            #expect(good.code == 0, "\(c.key) \(c.good): \(good.stderr)")
            #expect(try cli.run(["settings", "get", c.key]).stdout == c.stored + "\n", "\(c.key)")
            let bad = try cli.run(["settings", "set", c.key, c.bad])
            #expect(bad.code == 11, "\(c.key) '\(c.bad)' was accepted: \(bad.stdout)")
            #expect(bad.stderr.contains(c.key) && bad.stderr.contains(c.allowed), "\(c.key): \(bad.stderr)")
            // The refused value changed nothing.
            #expect(try cli.run(["settings", "get", c.key]).stdout == c.stored + "\n", "\(c.key)")
        }
        // A model folder is stored as an absolute path, so it means the same from any directory.
        let model = cli.scratch.appendingPathComponent("models/tiny")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: model.appendingPathComponent("model_index.json"))
        #expect(try cli.run(["settings", "set", "generate.model", "models/tiny"]).code == 0)
        #expect(try cli.run(["settings", "get", "generate.model"]).stdout == "\"\(model.path)\"\n")
        // The per-device-only rule: safety.enabled is the same everywhere.
        let device = try cli.run(["settings", "set", "safety.enabled", "false", "--device"])
        #expect(device.code == 11 && device.stderr.contains("without --device"))
    }

    @Test func unknownKeysNeedForceAndUnsetSaysWhatItDid() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).code == 0)
        let typo = try cli.run(["settings", "set", "generate.step", "8"])
        #expect(typo.code == 11)
        #expect(typo.stderr.contains("Did you mean generate.steps?") && typo.stderr.contains("--force"), "\(typo.stderr)")
        #expect(try cli.run(["settings", "get", "generate.step"]).code == 2)
        let forced = try cli.run(["settings", "set", "future.option", "on", "--force"])
        #expect(forced.code == 0 && forced.stderr.contains("not a setting this version uses"))
        #expect(try cli.run(["settings", "list"]).stdout.contains("synced (unknown)"))
        #expect(try cli.run(["settings", "set", "bad key!", "1", "--force"]).code == 11)

        let set = try cli.run(["settings", "set", "generate.steps", "12"])
        #expect(set.stdout == "generate.steps = 12 (synced; was 8, the default)\n", "\(set.stdout)")
        #expect(try cli.run(["settings", "set", "generate.steps", "6", "--device"]).code == 0)
        let unsetDevice = try cli.run(["settings", "unset", "generate.steps", "--device"])
        #expect(unsetDevice.code == 0)
        #expect(unsetDevice.stdout.contains("Removed this device's override of generate.steps (6)")
                && unsetDevice.stdout.contains("now 12 (synced)"), "\(unsetDevice.stdout)")
        let unset = try cli.run(["settings", "unset", "generate.steps"])
        #expect(unset.stdout.contains("Removed the synced value of generate.steps (12)") && unset.stdout.contains("now 8 (the default)"),
                "\(unset.stdout)")
        let nothing = try cli.run(["settings", "unset", "generate.steps"])
        #expect(nothing.code == 0 && nothing.stdout.contains("nothing removed"), "\(nothing.stdout)")
        let unsetTypo = try cli.run(["settings", "unset", "generate.step"])
        #expect(unsetTypo.stdout.contains("Did you mean generate.steps?"), "\(unsetTypo.stdout)")
    }
}
