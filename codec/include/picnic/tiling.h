// How an image is cut into independently coded tiles: a grid of
// tile_size x tile_size squares in raster order, the last column and row
// smaller where the size does not divide; tile_size 0 means one tile.
#ifndef PICNIC_TILING_H_
#define PICNIC_TILING_H_

#include <algorithm>
#include <cstdint>
#include <vector>

namespace picnic {

struct TileRect {
  int x0 = 0;
  int y0 = 0;
  int width = 0;
  int height = 0;
};

// Number of tiles along a side of `length` pixels. 64-bit so that sizes read
// from a file cannot overflow before they are validated.
inline uint64_t TilesAlong(uint64_t length, uint64_t tile_size) {
  if (tile_size == 0 || tile_size >= length) return 1;
  return (length + tile_size - 1) / tile_size;
}

// The side of the image that is tiled when the file is an exact enlargement
// by `factor` along that side (FORMAT.md, "Replication field"; FileInfo's
// replication_x/y): ceil(side / factor). Factor 1: the side itself.
inline int ReducedSide(int side, int factor) { return side / factor + (side % factor != 0); }

inline uint64_t CountTiles(uint64_t width, uint64_t height, uint64_t tile_size) {
  return TilesAlong(width, tile_size) * TilesAlong(height, tile_size);
}

class TileGrid {
 public:
  // REQUIRES: width, height >= 1; tile_size >= 0.
  TileGrid(int width, int height, int tile_size)
      : width_(width),
        height_(height),
        tile_w_(tile_size == 0 ? width : std::min(tile_size, width)),
        tile_h_(tile_size == 0 ? height : std::min(tile_size, height)),
        cols_(TilesAlong(width, tile_w_)),
        rows_(TilesAlong(height, tile_h_)) {}

  // Equals CountTiles(width, height, tile_size).
  uint64_t num_tiles() const { return cols_ * rows_; }

  TileRect Tile(uint64_t index) const {
    TileRect r;
    const int col = static_cast<int>(index % cols_);
    const int row = static_cast<int>(index / cols_);
    r.x0 = col * tile_w_;
    r.y0 = row * tile_h_;
    r.width = std::min(tile_w_, width_ - r.x0);
    r.height = std::min(tile_h_, height_ - r.y0);
    return r;
  }

 private:
  int width_, height_;
  int tile_w_, tile_h_;
  uint64_t cols_, rows_;
};

// Batches are runs of consecutive tiles (raster order of the tile grid).
inline std::vector<TileRect> BatchRects(const TileGrid& grid, uint64_t first, uint64_t count) {
  std::vector<TileRect> rects;
  rects.reserve(static_cast<size_t>(count));
  for (uint64_t t = first; t < first + count; ++t) rects.push_back(grid.Tile(t));
  return rects;
}

}  // namespace picnic

#endif  // PICNIC_TILING_H_
