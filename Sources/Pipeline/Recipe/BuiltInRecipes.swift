/// The recipes every Darkroom knows, mirroring the system it replaces. They are written in the
/// same YAML a user writes, and go through the same parser and validation.
enum BuiltInRecipes {
    static let yaml = """
        recipes:
          default:
            description: Three JPEG sizes, as the seed system made them (bicubic, like Pillow's thumbnail).
            variants:
              thumbnail:
                format: jpeg
                quality: 85
                operations:
                  - resize: {width: 150, height: 150, kernel: cubic}
              medium:
                format: jpeg
                quality: 85
                operations:
                  - resize: {width: 800, height: 800, kernel: cubic}
              large:
                format: jpeg
                quality: 85
                operations:
                  - resize: {width: 1600, height: 1600, kernel: cubic}
          grayscale:
            description: An 800 px grayscale PNG.
            variants:
              grayscale:
                format: png
                operations:
                  - resize: {width: 800, height: 800}
                  - grayscale
          watermark:
            description: A 1600 px JPEG with a text watermark in the bottom-right corner.
            variants:
              watermarked:
                format: jpeg
                quality: 85
                operations:
                  - resize: {width: 1600, height: 1600}
                  - watermark: {text: "Darkroom", size: 48, opacity: 0.5, position: south-east, margin: 24}
          pixelate:
            description: Tiny 8 to 64 px squares, as the seed system made them, plus a 1600 px mosaic.
            variants:
              pixel-8:
                format: png
                operations: [{pixelate: {size: 8}}]
              pixel-16:
                format: png
                operations: [{pixelate: {size: 16}}]
              pixel-32:
                format: png
                operations: [{pixelate: {size: 32}}]
              pixel-48:
                format: png
                operations: [{pixelate: {size: 48}}]
              pixel-64:
                format: png
                operations: [{pixelate: {size: 64}}]
              mosaic:
                format: jpeg
                quality: 85
                operations:
                  - resize: {width: 1600, height: 1600}
                  - pixelate: {block: 32}
          privacy:
            description: The default sizes with every face (and every region a person marked) pixelated, plus the seeds' 8 to 64 px squares, made from the redacted image.
            variants:
              thumbnail:
                format: jpeg
                quality: 85
                operations:
                  - resize: {width: 150, height: 150, kernel: cubic}
                  - redact: {faces: true, mode: pixelate, block: 16, padding: 0.2}
              medium:
                format: jpeg
                quality: 85
                operations:
                  - resize: {width: 800, height: 800, kernel: cubic}
                  - redact: {faces: true, mode: pixelate, block: 16, padding: 0.2}
              large:
                format: jpeg
                quality: 85
                operations:
                  - resize: {width: 1600, height: 1600, kernel: cubic}
                  - redact: {faces: true, mode: pixelate, block: 16, padding: 0.2}
              pixel-8:
                format: png
                operations: [{redact: {mode: pixelate}}, {pixelate: {size: 8}}]
              pixel-16:
                format: png
                operations: [{redact: {mode: pixelate}}, {pixelate: {size: 16}}]
              pixel-32:
                format: png
                operations: [{redact: {mode: pixelate}}, {pixelate: {size: 32}}]
              pixel-48:
                format: png
                operations: [{redact: {mode: pixelate}}, {pixelate: {size: 48}}]
              pixel-64:
                format: png
                operations: [{redact: {mode: pixelate}}, {pixelate: {size: 64}}]
        """
}
