// The store's value types an app works with, re-exported so that `import Darkroom` is the only
// import a gallery app needs (docs/embedding.md). The store itself (its database, SQL and file
// layout) stays behind the facade.
@_exported import struct DarkroomStore.AlbumRecord
@_exported import enum DarkroomStore.CredentialsFilter
@_exported import struct DarkroomStore.GalleryItem
@_exported import struct DarkroomStore.GalleryQuery
@_exported import struct DarkroomStore.GenerationRecord
@_exported import struct DarkroomStore.ImageRecord
@_exported import struct DarkroomStore.LibraryInfo
@_exported import struct DarkroomStore.PromptRecord
@_exported import enum DarkroomStore.SearchTermError
@_exported import struct DarkroomStore.StoredCredentials
@_exported import enum DarkroomStore.StoreError
@_exported import struct DarkroomStore.TagRecord
@_exported import struct DarkroomImaging.PixelImage
