/// The description-box type UUIDs that C2PA manifests use.
public enum JUMBFType {
    /// `c2pa`: the manifest store, the outermost superbox.
    public static let manifestStore = iso("c2pa")
    /// `c2ma`: a standard manifest.
    public static let manifest = iso("c2ma")
    /// `c2um`: an update manifest.
    public static let updateManifest = iso("c2um")
    /// `c2as`: a manifest's assertion store.
    public static let assertionStore = iso("c2as")
    /// `c2cl`: a manifest's claim.
    public static let claim = iso("c2cl")
    /// `c2cs`: a manifest's claim signature.
    public static let signature = iso("c2cs")
    /// `c2vc`: a manifest's verifiable credential store.
    public static let credentialStore = iso("c2vc")
    /// `c2db`: a manifest's databox store (label `c2pa.databoxes`).
    public static let databoxStore = iso("c2db")
    /// `cbor`: a superbox whose content is one `cbor` box (most assertions).
    public static let cbor = iso("cbor")
    /// `json`: a superbox whose content is one `json` box.
    public static let json = iso("json")
    /// `uuid`: a superbox whose content is one `uuid` box.
    public static let uuid = iso("uuid")
    /// `bidb`: binary data, as c2pa-rs names the embedded-file data type.
    public static let bidb = iso("bidb")
    /// `bfdb`: embedded-file description, as c2pa-rs names that type.
    public static let bfdb = iso("bfdb")
    /// The ISO 19566-5 embedded-file superbox (`40CB0C32-BB8A-489D-A70B-2AD6F47F4369`): a `bfdb`
    /// box then a `bidb` box.
    public static let embeddedFile = JUMBFUUID(constant: [
        0x40, 0xCB, 0x0C, 0x32, 0xBB, 0x8A, 0x48, 0x9D, 0xA7, 0x0B, 0x2A, 0xD6, 0xF4, 0x7F, 0x43, 0x69,
    ])

    /// The ISO-style UUID of a four-character code.
    static func iso(_ code: String) -> JUMBFUUID {
        JUMBFUUID(fourCC: FourCC(bytes: code.utf8))
    }
}

extension JUMBFUUID {
    /// Makes a UUID from a constant known to hold 16 bytes.
    init(constant bytes: [UInt8]) {
        self.bytes = bytes
    }
}
