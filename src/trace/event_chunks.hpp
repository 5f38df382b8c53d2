#pragma once
// Decoding an events table's stored chunks without HDF5's filter pipeline.
// `flopwall run` writes events with shuffle, deflate and fletcher32, in that
// order (trace_writer.cpp). For such a table a chunk is read raw
// (H5Dread_chunk), its fletcher32 checked, inflated with libdeflate into
// exactly the chunk's size, unshuffled, and converted from the file's
// compound type to TraceEvent with H5Tconvert (fields matched by name, as
// HDF5's own read does). A table with any other pipeline, a chunk stored
// with a filter skipped, or a build without libdeflate takes H5Dread: the
// caller asks `layout()` and falls back where it says no.
//
// Any fault (checksum, inflate, size) is a std::runtime_error
// "cannot read WHAT: ..." naming the chunk, as H5Dread's would be.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "trace/h5.hpp"
#include "trace/trace_event.hpp"

namespace flopwall {

// HDF5's Fletcher32 of a chunk (H5_checksum_fletcher32: 16-bit big-endian
// words, the odd last byte as a high byte).
std::uint32_t hdf5_fletcher32(std::span<const std::uint8_t> bytes) noexcept;
// Whether `stored` (the chunk's last four bytes, little-endian) matches the
// checksum of the bytes before it; HDF5 also accepts the halves swapped
// (files of HDF5 before 1.6.3).
bool fletcher32_matches(std::uint32_t computed, std::uint32_t stored) noexcept;

// Whether chunks can be decoded here: true when the build has libdeflate.
bool event_chunks_decodable() noexcept;

// What decoding one table's chunks needs, found once when it is opened.
struct EventChunkLayout {
  h5::Handle file_type;  // the dataset's compound type as stored
  std::size_t file_row_bytes = 0;
  std::uint64_t chunk_rows = 0;
  bool checksummed = false;
};
// The layout of a chunked table filtered exactly shuffle (of the file
// type's size), deflate, and optionally fletcher32; nullopt for anything
// else (or without libdeflate), which H5Dread reads.
std::optional<EventChunkLayout> event_chunk_layout(hid_t dataset, const std::string& what);

class EventChunkDecoder {
 public:
  EventChunkDecoder();
  ~EventChunkDecoder();
  EventChunkDecoder(const EventChunkDecoder&) = delete;
  EventChunkDecoder& operator=(const EventChunkDecoder&) = delete;

  // Rows [lo, lo + count) of chunk `index` (rows index × chunk_rows on),
  // converted to `mem_type` (TraceEvent's), into out[0, count). False, with
  // nothing written, when HDF5 must read the chunk instead (it is not
  // stored, or stored with a filter skipped). `max_bytes` bounds the stored
  // chunk (the file's size).
  bool read(hid_t dataset, const EventChunkLayout& layout, hid_t mem_type, std::uint64_t index, std::uint64_t lo,
            std::uint64_t count, TraceEvent* out, std::uint64_t max_bytes, const std::string& what);

 private:
  void* m_inflater = nullptr;  // libdeflate_decompressor
  std::vector<std::uint8_t> m_stored;
  std::vector<std::uint8_t> m_inflated;
  std::vector<std::uint8_t> m_convert;
  std::vector<std::uint8_t> m_background;
};

}  // namespace flopwall
