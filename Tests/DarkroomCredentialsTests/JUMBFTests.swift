import XCTest
@testable import DarkroomCredentials

final class JUMBFTests: XCTestCase {
    /// A small C2PA-shaped manifest store: one manifest with an assertion store (one plain and
    /// one salted CBOR assertion), a claim and a signature.
    private func sampleStore() -> JUMBFSuperbox {
        let actions = JUMBFSuperbox(
            description: JUMBFDescription(uuid: JUMBFType.cbor, label: "c2pa.actions.v2"),
            children: [.content(.cbor(["actions": [["action": "c2pa.created"]]]))])
        let hashData = JUMBFSuperbox(
            description: JUMBFDescription(
                uuid: JUMBFType.cbor, label: "c2pa.hash.data", privateBox: .salt(Array(0..<16))),
            children: [.content(.cbor(["alg": "sha256", "hash": .bytes(Array(repeating: 7, count: 32))]))])
        let assertions = JUMBFSuperbox(
            description: JUMBFDescription(uuid: JUMBFType.assertionStore, label: "c2pa.assertions"),
            children: [.superbox(actions), .superbox(hashData)])
        let claim = JUMBFSuperbox(
            description: JUMBFDescription(uuid: JUMBFType.claim, label: "c2pa.claim.v2"),
            children: [.content(.cbor(["claim_generator_info": [["name": "Darkroom"]]]))])
        let signature = JUMBFSuperbox(
            description: JUMBFDescription(uuid: JUMBFType.signature, label: "c2pa.signature"),
            children: [.content(.cbor(.tagged(18, [.bytes([0xA0]), [:], .null, .bytes([1, 2, 3])])))])
        let manifest = JUMBFSuperbox(
            description: JUMBFDescription(uuid: JUMBFType.manifest, label: "urn:c2pa:1234"),
            children: [.superbox(assertions), .superbox(claim), .superbox(signature)])
        return JUMBFSuperbox(
            description: JUMBFDescription(uuid: JUMBFType.manifestStore, label: "c2pa"),
            children: [.superbox(manifest)])
    }

    /// Every superbox and content box in `box`, depth first, with the private boxes.
    private func allNodes(_ box: JUMBFSuperbox) -> [JUMBFNode] {
        var nodes: [JUMBFNode] = [.superbox(box)]
        if let privateBox = box.description.privateBox { nodes.append(.content(privateBox)) }
        for child in box.children {
            if case .superbox(let nested) = child { nodes += allNodes(nested) } else { nodes.append(child) }
        }
        return nodes
    }

    func testExactLayoutOfSmallSuperbox() throws {
        let box = JUMBFSuperbox(
            description: JUMBFDescription(uuid: JUMBFType.cbor, label: "a"),
            children: [.content(JUMBFContentBox(type: .cbor, payload: [0xA0]))])
        let expected = codecHex("""
            0000002c 6a756d62
              0000001b 6a756d64 63626f72 00110010 800000aa 00389b71 03 6100
              00000009 63626f72 a0
            """)
        XCTAssertEqual(box.encoded(), expected)
        XCTAssertEqual(box.encodedPayload(), Array(expected[8...]))
        let decoded = try JUMBFSuperbox.decode(expected)
        XCTAssertEqual(decoded, box)
        XCTAssertEqual(decoded.range, 0..<44)
        XCTAssertEqual(decoded.payloadRange, 8..<44)
        XCTAssertEqual(decoded.contentBoxes.first?.range, 35..<44)
        XCTAssertEqual(decoded.contentBoxes.first?.payloadRange, 43..<44)
    }

    func testOptionalDescriptionFields() throws {
        let signature = try XCTUnwrap(JUMBFSignature(Array(repeating: 0x5A, count: 32)))
        let description = JUMBFDescription(
            uuid: JUMBFType.json, label: nil, requestable: false, id: 0x0102_0304, signature: signature,
            privateBox: .salt([9, 9]))
        XCTAssertEqual(description.toggles, 0x1C)
        XCTAssertEqual(description.encoded(), codecHex("00000047 6a756d64") + JUMBFType.json.bytes
            + [0x1C, 1, 2, 3, 4] + signature.bytes + codecHex("0000000a 63327368 0909"))
        let box = JUMBFSuperbox(description: description)
        let decoded = try JUMBFSuperbox.decode(box.encoded())
        XCTAssertEqual(decoded, box)
        XCTAssertEqual(decoded.description.salt, [9, 9])
        XCTAssertEqual(decoded.description.privateBox?.range, 69..<79)
        XCTAssertEqual(JUMBFDescription(uuid: JUMBFType.cbor, label: "x", privateBox: .salt([1])).toggles, 0x13)
    }

    func testLabelEdgeCases() throws {
        let empty = JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.cbor, label: ""))
        XCTAssertEqual(empty.description.encoded().suffix(2), [0x03, 0x00])
        XCTAssertEqual(try JUMBFSuperbox.decode(empty.encoded()), empty)
        let withNUL = JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.cbor, label: "ab\0cd"))
        XCTAssertEqual(try JUMBFSuperbox.decode(withNUL.encoded()).label, "ab", "written up to the first NUL")
        let unlabelled = JUMBFDescription(uuid: JUMBFType.cbor, label: nil, requestable: false)
        XCTAssertEqual(unlabelled.encoded(), codecHex("00000019 6a756d64") + JUMBFType.cbor.bytes + [0])
    }

    func testNestedStoreRoundTripsWithRanges() throws {
        let store = sampleStore()
        let bytes = store.encoded()
        let decoded = try JUMBFSuperbox.decode(bytes)
        XCTAssertEqual(decoded, store)
        XCTAssertEqual(decoded.encoded(), bytes)
        let nodes = allNodes(decoded)
        XCTAssertEqual(nodes.count, 12)
        for node in nodes {
            let range = try XCTUnwrap(node.range)
            XCTAssertEqual(Array(bytes[range]), node.encoded())
            if case .superbox(let box) = node {
                XCTAssertEqual(Array(bytes[try XCTUnwrap(box.payloadRange)]), box.encodedPayload())
            }
        }
    }

    func testResolvesLabelsAndURIs() throws {
        let store = try JUMBFSuperbox.decode(sampleStore().encoded())
        let manifest = try XCTUnwrap(store.child(labeled: "urn:c2pa:1234"))
        XCTAssertEqual(manifest.description.uuid, JUMBFType.manifest)
        XCTAssertEqual(manifest.resolve("self#jumbf=c2pa.assertions/c2pa.hash.data")?.description.salt, Array(0..<16))
        XCTAssertEqual(manifest.resolve("c2pa.assertions/c2pa.actions.v2")?.label, "c2pa.actions.v2")
        XCTAssertEqual(store.resolve("self#jumbf=/c2pa/urn:c2pa:1234/c2pa.claim.v2")?.label, "c2pa.claim.v2")
        XCTAssertEqual(store.resolve("")?.label, "c2pa")
        XCTAssertEqual(manifest.superboxes.count, 3)
        for missing in ["c2pa.assertions/", "c2pa.assertions//c2pa.hash.data", "c2pa.nothing",
                        "/other/urn:c2pa:1234", "c2pa.assertions/c2pa.hash.data/deeper"] {
            XCTAssertNil(manifest.resolve(missing), missing)
        }
        XCTAssertNil(store.resolve("/c2pa/urn:c2pa:9999/c2pa.claim.v2"))
    }

    func testLongAndOpenEndedSizesDecode() throws {
        // Outer box with an XLBox, a description, then a last child whose LBox is 0.
        let description = JUMBFDescription(uuid: JUMBFType.cbor, label: "x")
        let jumd = description.encoded()
        let child = codecHex("00000000 63626f72 0102")
        let total = 16 + jumd.count + child.count
        let bytes = codecHex("00000001 6a756d62") + [0, 0, 0, 0, 0, 0, 0, UInt8(total)] + jumd + child
        let decoded = try JUMBFSuperbox.decode(bytes)
        XCTAssertEqual(decoded.payloadRange, 16..<total)
        XCTAssertEqual(decoded.contentBoxes, [JUMBFContentBox(type: .cbor, payload: [1, 2])])
        XCTAssertEqual(decoded.contentBoxes.first?.range, (16 + jumd.count)..<total)
        XCTAssertEqual(decoded.encoded().count, total - 8, "the writer uses 4-byte sizes")
    }

    func testHeaderWriterSwitchesToXLBoxAboveFourGiB() {
        var output: [UInt8] = []
        BoxHeader.append(type: .bidb, payloadLength: 5_000_000_000, to: &output)
        XCTAssertEqual(output, codecHex("00000001 62696462 000000012a05f210"))
        output = []
        BoxHeader.append(type: .bidb, payloadLength: Int(UInt32.max) - 8, to: &output)
        XCTAssertEqual(output, codecHex("ffffffff 62696462"))
    }

    func testDecodeErrors() {
        let jumd = JUMBFDescription(uuid: JUMBFType.cbor, label: "a").encoded() // 27 bytes
        func jumb(_ payload: [UInt8]) -> [UInt8] {
            let size = UInt32(payload.count + 8)
            return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: size >> $0) } + codecHex("6a756d62") + payload
        }
        func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
            let size = UInt32(payload.count + 8)
            return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: size >> $0) } + Array(type.utf8) + payload
        }
        let uuid = JUMBFType.cbor.bytes
        let cases: [([UInt8], JUMBFError)] = [
            ([], .truncated(offset: 0)),
            (codecHex("0000000a 6a756d62 0000"), .truncated(offset: 10)),
            (jumb(box("jumd", uuid)), .truncated(offset: 32)),
            (jumb(box("jumd", uuid + [0x04])), .truncated(offset: 33)),
            (jumb(box("jumd", uuid + [0x08, 1, 2])), .truncated(offset: 35)),
            (codecHex("00000001 6a756d62 0000"), .truncated(offset: 10)),
            (codecHex("00000004 6a756d62"), .invalidBoxSize(offset: 0, size: 4)),
            (codecHex("00000001 6a756d62 0000000000000008"), .invalidBoxSize(offset: 0, size: 8)),
            (codecHex("00000010 6a756d62"), .boxOverflow(offset: 0, size: 16, available: 8)),
            (jumb(jumd + codecHex("00000010 63626f72")), .boxOverflow(offset: 35, size: 16, available: 8)),
            (codecHex("00000001 6a756d62 4000000000000000"), .boxOverflow(offset: 0, size: 1 << 62, available: 16)),
            (box("jumc", jumd), .unexpectedType(offset: 0, expected: .jumb, found: FourCC(rawValue: 0x6A75_6D63))),
            (jumb(box("cbor", [0]) + jumd), .unexpectedType(offset: 8, expected: .jumd, found: .cbor)),
            (jumb([]), .truncated(offset: 8)),
            (jumb(jumd + jumd), .misplacedDescription(offset: 35)),
            (jumb(box("jumd", uuid + [0x23, 0x61, 0])), .reservedToggles(offset: 32, toggles: 0x23)),
            (jumb(box("jumd", uuid + [0x03, 0x61, 0x62])), .unterminatedString(offset: 33)),
            (jumb(box("jumd", uuid + [0x03, 0xC0, 0x80, 0])), .invalidUTF8(offset: 33)),
            (jumb(box("jumd", uuid + [0x03, 0x61, 0, 0x99])), .trailingBytes(offset: 35)),
            (jumb(jumd) + [0], .trailingBytes(offset: 35)),
            (jumb(box("jumd", uuid + [0x13, 0x61, 0])), .truncated(offset: 35)),
        ]
        for (index, (bytes, expected)) in cases.enumerated() {
            XCTAssertThrowsError(try JUMBFSuperbox.decode(bytes), "case \(index)") { error in
                XCTAssertEqual(error as? JUMBFError, expected, "case \(index)")
            }
        }
    }

    func testDepthAndBoxLimits() throws {
        func nested(_ depth: Int) -> JUMBFSuperbox {
            var box = JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.cbor, label: "0"))
            for level in 0..<depth {
                box = JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.cbor, label: "\(level)"),
                                    children: [.superbox(box)])
            }
            return box
        }
        XCTAssertNoThrow(try JUMBFSuperbox.decode(nested(32).encoded()))
        XCTAssertThrowsError(try JUMBFSuperbox.decode(nested(33).encoded())) { error in
            guard case .tooDeep(_, let limit)? = error as? JUMBFError else { return XCTFail("\(error)") }
            XCTAssertEqual(limit, 32)
        }
        let store = sampleStore().encoded()
        let limits = JUMBFSuperbox.Limits(maxDepth: 32, maxBoxes: 5)
        XCTAssertThrowsError(try JUMBFSuperbox.decode(store, limits: limits)) { error in
            guard case .tooManyBoxes(_, 5)? = error as? JUMBFError else { return XCTFail("\(error)") }
        }
    }

    func testFileDescriptionBox() throws {
        let described = JUMBFFileDescription(mediaType: "image/png", fileName: "thumb.png")
        let box = described.contentBox
        XCTAssertEqual(box.payload, [0x01] + Array("image/png".utf8) + [0] + Array("thumb.png".utf8) + [0])
        XCTAssertEqual(try JUMBFFileDescription(box), described)
        let external = JUMBFFileDescription(mediaType: "text/uri-list", isExternal: true)
        XCTAssertEqual(try JUMBFFileDescription(external.contentBox), external)
        let bad: [(JUMBFContentBox, JUMBFError)] = [
            (JUMBFContentBox(type: .bfdb, payload: []), .truncated(offset: 0)),
            (JUMBFContentBox(type: .bfdb, payload: [0x04, 0x61, 0]), .reservedToggles(offset: 0, toggles: 4)),
            (JUMBFContentBox(type: .bfdb, payload: [0x01, 0x61, 0, 0x62]), .unterminatedString(offset: 3)),
            (JUMBFContentBox(type: .bfdb, payload: [0x00, 0x61, 0, 0x62]), .trailingBytes(offset: 3)),
            (JUMBFContentBox(type: .bidb, payload: [0x00, 0x61, 0]), .unexpectedType(offset: 0, expected: .bfdb, found: .bidb)),
        ]
        for (box, expected) in bad {
            XCTAssertThrowsError(try JUMBFFileDescription(box)) { XCTAssertEqual($0 as? JUMBFError, expected) }
        }
        // Offsets of a decoded box count from the decoder's input.
        let store = JUMBFSuperbox(description: JUMBFDescription(uuid: JUMBFType.embeddedFile, label: "f"),
                                  children: [.content(JUMBFContentBox(type: .bfdb, payload: [0x08]))])
        let decoded = try JUMBFSuperbox.decode(store.encoded())
        let bfdb = try XCTUnwrap(decoded.contentBoxes.first)
        XCTAssertThrowsError(try JUMBFFileDescription(bfdb)) { error in
            XCTAssertEqual(error as? JUMBFError, .reservedToggles(offset: bfdb.payloadRange?.lowerBound ?? -1, toggles: 8))
        }
    }

    func testTypeConstantsAndIdentifiers() throws {
        let expected: [(JUMBFUUID, String)] = [
            (JUMBFType.manifestStore, "63327061-0011-0010-8000-00AA00389B71"),
            (JUMBFType.manifest, "63326D61-0011-0010-8000-00AA00389B71"),
            (JUMBFType.updateManifest, "6332756D-0011-0010-8000-00AA00389B71"),
            (JUMBFType.assertionStore, "63326173-0011-0010-8000-00AA00389B71"),
            (JUMBFType.claim, "6332636C-0011-0010-8000-00AA00389B71"),
            (JUMBFType.signature, "63326373-0011-0010-8000-00AA00389B71"),
            (JUMBFType.credentialStore, "63327663-0011-0010-8000-00AA00389B71"),
            (JUMBFType.databoxStore, "63326462-0011-0010-8000-00AA00389B71"),
            (JUMBFType.cbor, "63626F72-0011-0010-8000-00AA00389B71"),
            (JUMBFType.json, "6A736F6E-0011-0010-8000-00AA00389B71"),
            (JUMBFType.uuid, "75756964-0011-0010-8000-00AA00389B71"),
            (JUMBFType.bidb, "62696462-0011-0010-8000-00AA00389B71"),
            (JUMBFType.bfdb, "62666462-0011-0010-8000-00AA00389B71"),
            (JUMBFType.embeddedFile, "40CB0C32-BB8A-489D-A70B-2AD6F47F4369"),
        ]
        for (uuid, text) in expected {
            XCTAssertEqual(uuid.description, text)
            XCTAssertEqual(JUMBFUUID(hex: text), uuid)
        }
        XCTAssertEqual(JUMBFType.claim.fourCC?.description, "c2cl")
        XCTAssertNil(JUMBFType.embeddedFile.fourCC)
        XCTAssertNil(JUMBFUUID(hex: "00"))
        XCTAssertNil(JUMBFUUID(hex: "zz"))
        XCTAssertNil(JUMBFUUID([1, 2, 3]))
        XCTAssertNil(JUMBFSignature([1]))
        XCTAssertEqual(FourCC("c2sh"), .c2sh)
        XCTAssertNil(FourCC("toolong"))
        XCTAssertEqual(FourCC(rawValue: 0x0001_0203).description, "00010203")
        let uuidBox = JUMBFContentBox.uuid(JUMBFType.json, data: [1, 2])
        XCTAssertEqual(uuidBox.uuidContent?.uuid, JUMBFType.json)
        XCTAssertEqual(uuidBox.uuidContent.map { Array($0.data) }, [1, 2])
        XCTAssertNil(JUMBFContentBox(type: .uuid, payload: [1]).uuidContent)
    }
}
