// Tile mode 2, "deflate" (FORMAT.md, "Tile modes"): the tile's rows filtered
// as PNG filters them (one filter byte per row: none, sub, up, average,
// paeth) and compressed with zlib. It is picnic's floor: an image the models
// code badly is stored about as small as a PNG of it, never much larger.
#ifndef PICNIC_CODEC_DEFLATE_TILE_H_
#define PICNIC_CODEC_DEFLATE_TILE_H_

#include <cstdint>
#include <vector>

#include "picnic/image.h"
#include "picnic/status.h"
#include "picnic/tiling.h"

namespace picnic {

// The smallest payload over a few filter choices (the PNG heuristic of the
// least sum of absolute differences per row, and each filter for every
// row) at zlib's best level; `quick`: the heuristic alone at zlib's fastest
// level, a cheap estimate of whether trying harder can pay. Deterministic;
// never fails short of running out of memory.
Result<std::vector<uint8_t>> EncodeDeflateTile(const Image& image, const TileRect& rect, bool quick = false);

// Fills `rect` of `image` from a payload. kCorrupt if the zlib stream is
// damaged, inflates to another length than the tile needs, or names an
// unknown filter.
Status DecodeDeflateTile(const uint8_t* data, size_t size, const TileRect& rect, Image& image);

}  // namespace picnic

#endif  // PICNIC_CODEC_DEFLATE_TILE_H_
