extension ImageRecord {
    /// SQL true when no generation other than `excluding` (a `generation` id expression, or `NULL`) uses the
    /// picture `image`: neither shows it (`image_hash`) nor started from it (an image-to-image or inpainting input
    /// recorded in `inputs`, schema step 0011). Pictures for which it holds may be deleted.
    public static func unusedCondition(image: String = "image", excluding: String = "NULL") -> String {
        """
        NOT EXISTS (SELECT 1 FROM generation image_user WHERE image_user.id IS NOT \(excluding) AND (image_user.image_hash = \(image).hash
            OR (image_user.inputs IS NOT NULL AND \(image).hash IN (json_extract(image_user.inputs, '$.init_image.hash'),
                                                            json_extract(image_user.inputs, '$.mask.hash')))))
        """
    }
}
