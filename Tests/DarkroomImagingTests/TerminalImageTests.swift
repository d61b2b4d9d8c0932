import Foundation
import Testing
@testable import DarkroomImaging

@Suite("Terminal pictures")
struct TerminalImageTests {
    @Test("Protocol detection follows the gallery note's order", arguments: [
        ([String: String](), true, TerminalImageProtocol.blocks),
        (["KITTY_WINDOW_ID": "1"], false, .none),
        (["TERM": "dumb"], true, .none),
        (["KITTY_WINDOW_ID": "3", "TERM_PROGRAM": "iTerm.app"], true, .kitty),
        (["TERM": "xterm-kitty"], true, .kitty),
        (["TERM": "xterm-ghostty"], true, .kitty),
        (["TERM_PROGRAM": "iTerm.app", "TERM": "foot"], true, .iterm),
        (["ITERM_SESSION_ID": "w0t0p0"], true, .iterm),
        (["TERM_PROGRAM": "WezTerm"], true, .iterm),
        (["TERM": "foot"], true, .sixel),
        (["TERM": "mlterm"], true, .sixel),
        (["TERM": "xterm-256color", "DARKROOM_SIXEL": "1"], true, .sixel),
        (["TERM": "xterm-256color", "DARKROOM_SIXEL": "0"], true, .blocks),
        (["TERM": "xterm-256color", "COLORTERM": "truecolor"], true, .blocks),
    ])
    func detection(environment: [String: String], isTTY: Bool, expected: TerminalImageProtocol) {
        #expect(TerminalImageProtocol.detect(environment: environment, isTTY: isTTY) == expected)
    }

    @Test("Half blocks: one cell per column and pixel pair, exact colours")
    func blocksExact() {
        // 2x3 image: rows red/green/blue-ish; third row goes on a cell with default background.
        let pixels: [UInt8] = [255, 0, 0, 10, 20, 30,
                               0, 255, 0, 40, 50, 60,
                               0, 0, 255, 70, 80, 90]
        let image = PixelImage(width: 2, height: 3, channels: 3, pixels: pixels)
        let text = TerminalImageRenderer.render(image, as: .blocks, maxColumns: 2, maxRows: 2)
        let e = "\u{1B}"
        let expected = "\(e)[38;2;255;0;0m\(e)[48;2;0;255;0m▀\(e)[38;2;10;20;30m\(e)[48;2;40;50;60m▀\(e)[0m\n"
            + "\(e)[38;2;0;0;255m\(e)[49m▀\(e)[38;2;70;80;90m\(e)[49m▀\(e)[0m\n"
        #expect(text == expected)
    }

    @Test("Half blocks fit the column and row budget, keeping the aspect")
    func blocksBudget() throws {
        let image = try PNGCodec.decode(try PNGFixtures.data("sample-rings.png")).image  // 64x64
        let text = TerminalImageRenderer.render(image, as: .blocks, maxColumns: 80, maxRows: 10)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 10)
        for line in lines { #expect(line.filter { $0 == "▀" }.count == 20) }
        let wide = TerminalImageRenderer.render(image, as: .blocks, maxColumns: 16, maxRows: 40)
        #expect(wide.split(separator: "\n").count == 8)
        #expect(wide.split(separator: "\n").allSatisfy { $0.filter { $0 == "▀" }.count == 16 })
        // Alpha is composited over black.
        let clear = PixelImage(width: 1, height: 2, channels: 4, pixels: [255, 255, 255, 0, 255, 255, 255, 255])
        #expect(TerminalImageRenderer.render(clear, as: .blocks, maxColumns: 1, maxRows: 1).contains("[38;2;0;0;0m\u{1B}[48;2;255;255;255m"))
    }

    @Test("kitty: a=T,f=100 chunks of 4096 base64 bytes carrying a PNG of the image")
    func kittyFraming() throws {
        let image = makeTestImage(width: 120, height: 90, channels: 4, seed: 5)
        let text = TerminalImageRenderer.render(image, as: .kitty, maxColumns: 40, maxRows: 40)
        #expect(text.hasSuffix("\u{1B}\\\n"))
        let commands = text.dropLast().components(separatedBy: "\u{1B}\\").filter { !$0.isEmpty }
        #expect(commands.count > 1)
        var payload = ""
        for (index, command) in commands.enumerated() {
            #expect(command.hasPrefix("\u{1B}_G"))
            let body = command.dropFirst(3)
            let parts = body.split(separator: ";", maxSplits: 1)
            let keys = String(parts[0]), data = String(parts[1])
            let last = index == commands.count - 1
            if index == 0 {
                #expect(keys == "a=T,f=100,q=2,c=40,r=15,m=1")
            } else {
                #expect(keys == (last ? "m=0" : "m=1"))
            }
            if !last { #expect(data.utf8.count == 4096) } else { #expect(data.utf8.count <= 4096) }
            payload += data
        }
        let png = try #require(Data(base64Encoded: payload))
        #expect(try PNGCodec.decode(png).image == image)
    }

    @Test("iTerm2: OSC 1337 File=inline=1 with the PNG's size")
    func itermFraming() throws {
        let image = makeTestImage(width: 30, height: 20, channels: 3)
        let text = TerminalImageRenderer.render(image, as: .iterm, maxColumns: 30, maxRows: 30)
        #expect(text.hasPrefix("\u{1B}]1337;File=inline=1;size="))
        #expect(text.hasSuffix("\u{07}\n"))
        let header = try #require(text.split(separator: ":", maxSplits: 1).first)
        let base64 = text.dropFirst(header.count + 1).dropLast(2)
        let png = try #require(Data(base64Encoded: String(base64)))
        #expect(header.contains("size=\(png.count);width=30;height=10;preserveAspectRatio=1"))
        #expect(try PNGCodec.decode(png).image == image)
    }

    @Test("Sixel: DCS framing, 6-pixel bands, palette, and pixels that decode back")
    func sixel() throws {
        let image = makeTestImage(width: 10, height: 13, channels: 3, seed: 3)
        let text = TerminalImageRenderer.render(image, as: .sixel, maxColumns: 1, maxRows: 1)
        #expect(text.hasPrefix("\u{1B}P0;1;0q\"1;1;10;13"))
        #expect(text.hasSuffix("\u{1B}\\\n"))
        let decoded = try SixelTestDecoder.decode(text)
        #expect(decoded.bands == 3)
        #expect(decoded.width == 10 && decoded.height == 13)
        for y in 0..<13 {
            for x in 0..<10 {
                let p = Array(image.pixel(x: x, y: y))
                let index = SixelEncoder.paletteIndex(red: p[0], green: p[1], blue: p[2])
                let colour = try #require(decoded.palette[index], "register \(index) not defined")
                #expect(decoded.pixels[y][x] == index, "pixel \(x),\(y)")
                // The register's colour is within half a cube step of the pixel.
                for (channel, percent) in [colour.0, colour.1, colour.2].enumerated() {
                    #expect(abs(percent * 255 / 100 - Int(p[channel])) <= 26)
                }
            }
        }
        // Large images shrink to the assumed cell pixels; small ones are not enlarged.
        let big = TerminalImageRenderer.render(makeTestImage(width: 400, height: 400, channels: 3), as: .sixel, maxColumns: 8, maxRows: 2)
        #expect(big.hasPrefix("\u{1B}P0;1;0q\"1;1;40;40"))
        #expect(SixelEncoder.runLengthEncoded([1, 1, 1, 1, 1, 2, 2]) == "!5@AA")
    }

    @Test("No picture for .none and for inconsistent images")
    func nothing() {
        let image = makeTestImage(width: 4, height: 4, channels: 3)
        #expect(TerminalImageRenderer.render(image, as: .none, maxColumns: 80, maxRows: 24).isEmpty)
        let broken = PixelImage(width: 4, height: 4, channels: 3, pixels: [1, 2, 3])
        for proto in TerminalImageProtocol.allCases {
            #expect(TerminalImageRenderer.render(broken, as: proto, maxColumns: 80, maxRows: 24).isEmpty)
        }
    }
}

/// A minimal sixel decoder for the tests: colour registers, `#n` selection,
/// `$` carriage return, `-` next band, `!n` repeats.
enum SixelTestDecoder {
    struct Result {
        var width = 0, height = 0, bands = 1
        var palette: [Int: (Int, Int, Int)] = [:]
        var pixels: [[Int]] = []
    }

    struct Malformed: Error {}

    static func decode(_ text: String) throws -> Result {
        var chars = Array(text.unicodeScalars)
        guard let q = chars.firstIndex(of: "q"), let end = chars.lastIndex(of: "\u{1B}") else { throw Malformed() }
        chars = Array(chars[(q + 1)..<end])
        var result = Result()
        var i = 0
        func number() -> Int {
            var value = 0
            while i < chars.count, let digit = chars[i].properties.numericType != nil ? Int(String(chars[i])) : nil {
                value = value * 10 + digit
                i += 1
            }
            return value
        }
        func numbers() -> [Int] {
            var values = [number()]
            while i < chars.count && chars[i] == ";" { i += 1; values.append(number()) }
            return values
        }
        var colour = 0, x = 0, band = 0
        func put(_ code: Unicode.Scalar, count: Int) throws {
            let bits = Int(code.value) - 63
            guard (0...63).contains(bits) else { throw Malformed() }
            for _ in 0..<count {
                for bit in 0..<6 where bits & (1 << bit) != 0 {
                    let y = band * 6 + bit
                    guard y < result.height, x < result.width else { throw Malformed() }
                    result.pixels[y][x] = colour
                }
                x += 1
            }
        }
        while i < chars.count {
            let c = chars[i]
            i += 1
            switch c {
            case "\"":
                let values = numbers()
                result.width = values[2]
                result.height = values[3]
                result.pixels = Array(repeating: Array(repeating: -1, count: result.width), count: result.height)
            case "#":
                let values = numbers()
                colour = values[0]
                if values.count == 5 { result.palette[colour] = (values[2], values[3], values[4]) }
            case "$": x = 0
            case "-": x = 0; band += 1; result.bands += 1
            case "!":
                let count = number()
                try put(chars[i], count: count)
                i += 1
            default:
                try put(c, count: 1)
            }
        }
        return result
    }
}
