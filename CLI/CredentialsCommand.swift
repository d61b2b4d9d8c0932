import ArgumentParser
import Darkroom
import Foundation

struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials",
        abstract: "Read and check the Content Credentials (C2PA) of a picture.",
        discussion: """
            Prints the active manifest's signer, claim generator, actions, digital source type and ingredients,
            and the verdict:
              valid       every check passed and the signer is trusted (this library's own authority, or
                          the root of credentials.certificate)
              untrusted   every check passed, but the signer is on no trust list here (normal for another
                          person's or tool's pictures)
              invalid     a check failed: the picture or its manifest was changed after signing (hash
                          mismatch), the signature is bad, the certificate may not sign, or the manifest is
                          malformed. Exit code 19.
              none        the file carries no Content Credentials
            Works on any PNG file, whoever made it, and on a library item by id.

            Examples:
              darkroom credentials picture.png
              darkroom credentials 3f2a --json
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A PNG file, or a generation id (any unique prefix).")
    var target: String

    @Flag(help: "Print the report as JSON (schema in docs/credentials.md).")
    var json = false

    func run() async throws {
        let report: CredentialsReport
        if FileManager.default.fileExists(atPath: target) {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: target)) } catch {
                throw LibraryError.unreadableFile(path: target, reason: (error as NSError).localizedDescription)
            }
            // Trust anchors come from the library when there is one; a file is checked without one too.
            if let library = try? await global.open() {
                report = await library.credentials(ofFile: data)
            } else {
                report = await CredentialsVerifier().verify([UInt8](data))
            }
        } else {
            let library = try await global.open()
            let item = try await library.item(prefix: target)
            try await LazyPictures.fetch([item], library: library)
            report = try await library.credentials(of: item)
        }
        if json {
            try Console.printJSON(report)
        } else {
            Console.print(CredentialsText.lines(report).map { "\($0.0): \($0.1)" }.joined(separator: "\n"))
        }
        if report.state == .invalid {
            throw CLIFailure(code: .credentialsInvalid, message: "error: the Content Credentials do not verify: "
                                 + report.details.filter { !$0.contains("trust list") }.joined(separator: "; "))
        }
    }
}

/// Content Credentials in words, for `credentials` and `show`.
enum CredentialsText {
    /// The verdict in a few words.
    static func verdict(_ report: CredentialsReport) -> String {
        switch report.state {
        case .valid: "valid (trusted signer)"
        case .untrusted: "valid, but the signer is not on a trust list here"
        case .invalid: "INVALID"
        case .none: "none"
        }
    }

    /// One line for `show`: verdict, AI or not, signer and generator.
    static func summary(_ report: CredentialsReport) -> String {
        guard report.state != .none else { return "none" }
        var parts = [verdict(report)]
        if report.aiGenerated { parts.append("AI-generated") }
        if let signer = report.signer?.displayName, !signer.isEmpty { parts.append("signed by \(signer)") }
        if let generator = report.claimGenerator { parts.append("made with \(generator)") }
        return parts.joined(separator: " · ")
    }

    /// Every field `credentials` prints, one per line.
    static func lines(_ report: CredentialsReport) -> [(String, String)] {
        var lines: [(String, String)] = [("credentials", verdict(report))]
        guard report.state != .none else { return lines }
        lines.append(("ai-generated", report.aiGenerated ? "yes" : "no"))
        lines.append(("signer", report.signer?.displayName ?? "-"))
        lines.append(("issuer", report.signer?.issuer ?? "-"))
        lines.append(("algorithm", report.signer?.algorithm ?? "-"))
        lines.append(("claim generator", report.claimGenerator ?? "-"))
        lines.append(("actions", report.actions.isEmpty ? "-" : report.actions.joined(separator: ", ")))
        lines.append(("source type", report.digitalSourceType ?? "-"))
        let ingredients = report.ingredients.map { "\($0.title ?? "?") (\($0.relationship ?? "?"))" }
        lines.append(("ingredients", ingredients.isEmpty ? "-" : ingredients.joined(separator: ", ")))
        if let generation = report.generation {
            lines.append(("generation", generation.keys.sorted().map { "\($0) \(generation[$0] ?? "")" }.joined(separator: ", ")))
        }
        lines.append(("manifest", report.manifest ?? "-"))
        for failure in report.failures { lines.append(("failure", failure)) }
        for detail in report.details { lines.append(("why", detail)) }
        return lines.map { ($0.0, TerminalText.sanitize($0.1)) }
    }
}
