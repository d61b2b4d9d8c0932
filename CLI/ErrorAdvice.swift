import Darkroom

extension ExitStatus {
    /// What the person can do about `error`, in the CLI's words: the library's errors state the facts
    /// (what, where, which limit), and the commands and flags that help are named here.
    static func advice(for error: any Error) -> String? {
        switch error {
        case StoreError.libraryNotFound:
            return "Create one with `darkroom init` (or pass --library PATH)."
        case StoreError.lostCommits:
            return "Run `darkroom doctor --rebuild` to keep a copy of the damaged log and import those pictures back."
        case StoreError.readOnlyLibrary,
             is POSIXFailure where code(for: error) == .readOnlyLibrary:
            return "The library is read-only here: reading commands (list, show, export, stats) work; changes need write access."
        case LibraryError.missingImageFile:
            return "Run `darkroom doctor`."
        case LibraryError.modelNotFound(_, .some):
            return "`darkroom models` lists the models there."
        case LibraryError.modelUnavailable:
            return "Put it in that folder (`darkroom models` lists what is there), or pass --model."
        case LibraryError.promptRefused:
            return "The policy's terms are configurable with `darkroom settings`."
        case let failure as SyncFailure:
            return advice(for: failure)
        case SettingError.unknownKey:
            return "Known settings: `darkroom settings list`; add --force to store it anyway."
        case SettingError.noDeviceOverride:
            return "Set it without --device."
        default:
            return nil
        }
    }

    private static func advice(for failure: SyncFailure) -> String? {
        switch failure {
        case .notConfigured: return "Run `darkroom sync init --transport folder:PATH` or `darkroom sync join CODE --transport …`."
        case .alreadyConfigured: return "`darkroom sync status` shows it."
        case .pairingExpired: return "Run `darkroom sync leave` here, then pair again with a new code."
        case .waitingForAdmission: return "Run `darkroom sync run` on the device that printed the pairing code, then again here."
        case .busy: return "Try again when the other `darkroom sync run` finishes."
        case .deviceKeyUnavailable: return "If the key is lost, set sync up again with `darkroom sync recover`."
        case .unknownDevice: return "`darkroom device list` shows them."
        default: return nil
        }
    }
}
