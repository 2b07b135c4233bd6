import XCTest
@testable import MindImage

final class LinePlotTests: XCTestCase {
    func testRendersSeriesShadingAndAxes() throws {
        var plot = LinePlot(width: 120, height: 80)
        plot.margin = 10
        plot.tickLength = 3
        plot.showsTickValues = false   // the geometry below is that of a plot without text
        plot.addSeries([0, 0, 0, 0], color: .blue, lineWidth: 1.5)       // flat line at y = 0, edges blended
        plot.addSeries([1, 1, 1, 1], color: .orange, lineWidth: 2)       // flat line at y = 1
        plot.shadedXRanges = [1...2]
        plot.yRange = -1...2
        let image = try plot.render()
        XCTAssertEqual([image.width, image.height, image.channels], [120, 80, 3])
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { (0..<3).map { image.value(x: x, y: y, channel: $0) } }
        // Plot area: x 13..<110, y 10..<67; data x 0...3 → px 13...110, y -1...2 → py 67...10.
        let yZero = Int(67 - (0 + 1) * 57.0 / 3)
        let yOne = Int(67 - (1 + 1) * 57.0 / 3)
        XCTAssertEqual(pixel(30, yZero - 1), [64, 149, 197], "75% blue over white (anti-aliased edge)")
        XCTAssertEqual(pixel(30, yZero - 3), [255, 255, 255])
        XCTAssertEqual(pixel(30, yOne), [230, 159, 0])
        XCTAssertEqual(pixel(60, 60), [225, 225, 225], "inside the shaded x-range 1...2")
        XCTAssertEqual(pixel(30, 60), [255, 255, 255], "outside the shaded range")
        XCTAssertEqual(pixel(13, 40), [0, 0, 0], "left edge of the axis box")
        XCTAssertEqual(pixel(60, 66), [0, 0, 0], "bottom edge of the axis box")
        XCTAssertEqual(pixel(13, 68), [0, 0, 0], "tick mark below the x = 0 position")
        XCTAssertEqual(pixel(5, 5), [255, 255, 255], "margin")
    }

    /// Title, axis labels and tick values take room of their own and are drawn in the bitmap font.
    func testLabelsAndTickValues() throws {
        var plot = LinePlot(width: 300, height: 160)
        plot.addSeries([0, 1, 4, 9, 16])
        let bare = try plot.render()
        plot.title = "Squares"
        plot.xLabel = "n"
        plot.yLabel = "n^2"
        let labelled = try plot.render()
        func darkPixels(_ image: Image, rows: Range<Int>) -> Int {
            rows.reduce(0) { sum, y in sum + (0..<image.width).filter { image.value(x: $0, y: y, channel: 0) < 80 }.count }
        }
        XCTAssertEqual(darkPixels(bare, rows: 0..<12), 0, "nothing above the plot without a title")
        XCTAssertGreaterThan(darkPixels(labelled, rows: 12..<19), 20, "title text in the top band")
        XCTAssertGreaterThan(darkPixels(labelled, rows: 140..<149), 5, "x label at the bottom")
        XCTAssertEqual(LinePlot.tickLabel(0.25, ticks: [0, 0.25, 0.5]), "0.25")
        XCTAssertEqual(LinePlot.tickLabel(2000, ticks: [0, 1000, 2000]), "2000")
        XCTAssertEqual(LinePlot.tickLabel(-0.0, ticks: [-1, 0, 1]), "0")
    }

    func testNiceTicksAndErrors() throws {
        XCTAssertEqual(LinePlot.ticks(0...10, count: 5), [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(LinePlot.ticks(-0.3...0.35, count: 3), [-0.2, 0, 0.2])
        var plot = LinePlot(width: 100, height: 60)
        assertThrows(try plot.render(), containing: ["nothing to plot"])
        plot.addSeries([1, 2, 3], x: [0, 1])
        assertThrows(try plot.render(), containing: ["3 values but 2 x coordinates"])
        plot.series = [LinePlot.Series(values: [], color: .black)]
        assertThrows(try plot.render(), containing: ["series 0 has no values"])
        var tiny = LinePlot(width: 10, height: 10)
        tiny.addSeries([1, 2])
        assertThrows(try tiny.render(), containing: ["size 10x10"])
        var broken = LinePlot(width: 100, height: 60)
        broken.addSeries([1, .nan, 3, .infinity, 2])
        XCTAssertNoThrow(try broken.render())
    }
}
