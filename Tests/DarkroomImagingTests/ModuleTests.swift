import Testing
@testable import DarkroomImaging
