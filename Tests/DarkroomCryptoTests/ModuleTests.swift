import Testing
@testable import DarkroomCrypto
