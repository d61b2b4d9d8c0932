import DarkroomImaging
import Foundation

/// The exact attribute checker of the default model's evaluation (Fixtures/models/training/checker.py),
/// ported rule for rule: does a 64x64 picture show the objects a scene asks for?
///
/// 1. Each pixel takes the nearest colour among the object palette and the background tones; it is an
///    object pixel of colour c if that nearest colour is c and the distance is below 90.
/// 2. 4-connected components per object colour; components under 8 pixels are noise.
/// 3. Shape: hole fraction > 0.08 → ring; solidity < 0.8 → star; fill > 0.86 → square; fill < 0.64 →
///    triangle; else circle.
/// 4. Position from the centroid: regions for one object, centroid differences (margin 8) for relations.
struct SceneAttributeChecker {
    struct Object: Sendable { var colour: String; var shape: String }
    enum Layout: Sendable { case single(position: String), relation(String) }
    struct Scene: Sendable { var objects: [Object]; var layout: Layout }
    struct Verdict: Equatable, Sendable {
        var colour: Bool, shape: Bool, position: Bool
        var ok: Bool { colour && shape && position }
    }
    struct Component {
        var colour: String, area: Int, cx: Double, cy: Double, fill: Double, holeFraction: Double, solidity: Double
        var shape: String {
            if holeFraction > 0.08 { return "ring" }
            if solidity < 0.8 { return "star" }
            if fill > 0.86 { return "square" }
            if fill < 0.64 { return "triangle" }
            return "circle"
        }
    }

    static let colours: [(String, (Double, Double, Double))] = [
        ("red", (220, 30, 30)), ("orange", (245, 135, 20)), ("yellow", (240, 225, 30)), ("green", (30, 160, 50)),
        ("cyan", (30, 210, 225)), ("blue", (35, 60, 215)), ("purple", (135, 40, 175)), ("pink", (250, 125, 195)),
    ]
    static let backgrounds: [(Double, Double, Double)] = [
        (150, 150, 150), (205, 205, 205), (70, 70, 70), (215, 200, 170), (100, 110, 130), (240, 240, 235),
    ]

    static func check(_ image: PixelImage, _ scene: Scene) -> Verdict {
        let found = components(image)
        let candidates = scene.objects.map { Array((found[$0.colour] ?? []).prefix(3)) }
        if candidates.contains(where: \.isEmpty) { return Verdict(colour: false, shape: false, position: false) }
        var best: (score: (Bool, Bool, Bool), verdict: Verdict)?
        func better(_ a: (Bool, Bool, Bool), _ b: (Bool, Bool, Bool)) -> Bool {
            let x = [a.0, a.1, a.2].map { $0 ? 1 : 0 }, y = [b.0, b.1, b.2].map { $0 ? 1 : 0 }
            return x.lexicographicallyPrecedes(y) == false && x != y
        }
        func visit(_ index: Int, _ chosen: [(key: String, component: Component)]) {
            if index == candidates.count {
                let shape = zip(chosen, scene.objects).allSatisfy { $0.0.component.shape == $0.1.shape }
                let position = positionOK(scene, chosen.map(\.component))
                let score = (shape && position, shape, position)
                if best == nil || better(score, best!.score) {
                    best = (score, Verdict(colour: true, shape: shape, position: position))
                }
                return
            }
            for (k, candidate) in candidates[index].enumerated() {
                let key = "\(scene.objects[index].colour)#\(k)"  // the same colour and rank is the same component
                if chosen.contains(where: { $0.key == key }) { continue }
                visit(index + 1, chosen + [(key, candidate)])
            }
        }
        visit(0, [])
        return best?.verdict ?? Verdict(colour: true, shape: false, position: false)
    }

    static func positionOK(_ scene: Scene, _ comps: [Component]) -> Bool {
        switch scene.layout {
        case .single(let position):
            let c = comps[0]
            switch position {
            case "left": return c.cx < 26
            case "right": return c.cx > 38
            case "top": return c.cy < 26
            case "bottom": return c.cy > 38
            default: return (22...42).contains(c.cx) && (22...42).contains(c.cy)
            }
        case .relation(let relation):
            let dx = comps[0].cx - comps[1].cx, dy = comps[0].cy - comps[1].cy, m = 8.0
            switch relation {
            case "above": return dy < -m
            case "below": return dy > m
            case "left of": return dx < -m
            case "right of": return dx > m
            default: return abs(dx) > m && abs(dx) > abs(dy)
            }
        }
    }

    /// Components per object colour, largest first.
    static func components(_ image: PixelImage) -> [String: [Component]] {
        let w = image.width, h = image.height
        var labels = [Int](repeating: -1, count: w * h)
        let palette = colours.map(\.1) + backgrounds
        for i in 0..<(w * h) {
            let r = Double(image.pixels[i * image.channels]), g = Double(image.pixels[i * image.channels + 1])
            let b = Double(image.pixels[i * image.channels + 2])
            var bestIndex = 0, bestDistance = Double.infinity
            for (k, p) in palette.enumerated() {
                let d = ((r - p.0) * (r - p.0) + (g - p.1) * (g - p.1) + (b - p.2) * (b - p.2)).squareRoot()
                if d < bestDistance { bestDistance = d; bestIndex = k }
            }
            if bestIndex < colours.count && bestDistance < 90 { labels[i] = bestIndex }
        }
        var out: [String: [Component]] = [:]
        for (k, (name, _)) in colours.enumerated() {
            let mask = labels.map { $0 == k }
            out[name] = connected(mask, w, h).filter { $0.count >= 8 }.map { measure(name, $0) }.sorted { $0.area > $1.area }
        }
        return out
    }

    /// 4-connected components of a mask, as lists of (y, x).
    static func connected(_ mask: [Bool], _ w: Int, _ h: Int) -> [[(Int, Int)]] {
        var seen = [Bool](repeating: false, count: w * h)
        var result: [[(Int, Int)]] = []
        for start in 0..<(w * h) where mask[start] && !seen[start] {
            var stack = [start], points: [(Int, Int)] = []
            seen[start] = true
            while let p = stack.popLast() {
                let y = p / w, x = p % w
                points.append((y, x))
                for (ny, nx) in [(y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)] where ny >= 0 && ny < h && nx >= 0 && nx < w {
                    let q = ny * w + nx
                    if mask[q] && !seen[q] { seen[q] = true; stack.append(q) }
                }
            }
            result.append(points)
        }
        return result
    }

    static func measure(_ colour: String, _ points: [(Int, Int)]) -> Component {
        let ys = points.map(\.0), xs = points.map(\.1)
        let y0 = ys.min()!, y1 = ys.max()!, x0 = xs.min()!, x1 = xs.max()!
        let h = y1 - y0 + 1, w = x1 - x0 + 1
        var box = [Bool](repeating: false, count: (h + 2) * (w + 2))
        for (y, x) in points { box[(y - y0 + 1) * (w + 2) + (x - x0 + 1)] = true }
        let outsideComponents = connected(box.map { !$0 }, w + 2, h + 2).filter { comp in
            comp.contains { $0.0 == 0 || $0.0 == h + 1 || $0.1 == 0 || $0.1 == w + 1 }
        }
        let outside = outsideComponents.reduce(0) { $0 + $1.count }
        let holes = box.filter { !$0 }.count - outside
        var corners = Set<[Int]>()
        for (y, x) in points { for dx in 0...1 { for dy in 0...1 { corners.insert([x + dx, y + dy]) } } }
        let hull = convexHullArea(Array(corners))
        let area = points.count
        return Component(colour: colour, area: area, cx: Double(xs.reduce(0, +)) / Double(area) + 0.5,
                         cy: Double(ys.reduce(0, +)) / Double(area) + 0.5, fill: Double(area) / Double(h * w),
                         holeFraction: Double(holes) / Double(area + holes), solidity: hull > 0 ? Double(area) / hull : 0)
    }

    static func convexHullArea(_ points: [[Int]]) -> Double {
        let sorted = points.sorted { $0[0] != $1[0] ? $0[0] < $1[0] : $0[1] < $1[1] }
        guard sorted.count >= 3 else { return 0 }
        func half(_ seq: [[Int]]) -> [[Int]] {
            var out: [[Int]] = []
            for p in seq {
                while out.count >= 2 {
                    let a = out[out.count - 2], b = out[out.count - 1]
                    if (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) <= 0 { out.removeLast() } else { break }
                }
                out.append(p)
            }
            return out
        }
        let hull = Array(half(sorted).dropLast()) + Array(half(sorted.reversed()).dropLast())
        var sum = 0.0
        for i in hull.indices {
            let a = hull[i], b = hull[(i + hull.count - 1) % hull.count]
            sum += Double(a[0] * b[1] - a[1] * b[0])
        }
        return abs(sum) / 2
    }
}
