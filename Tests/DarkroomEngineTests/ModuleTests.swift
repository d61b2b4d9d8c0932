import Testing
@testable import DarkroomEngine
