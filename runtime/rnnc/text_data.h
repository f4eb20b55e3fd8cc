// The training text: mapped read-only (a large file is paged in as it is
// used, not copied), checked byte by byte before any work starts.
#pragma once
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "error.h"

namespace rnnc {

// A read-only memory map of a whole file; owns the mapping.
class TextData {
 public:
  TextData() = default;
  TextData(const TextData&) = delete;
  TextData& operator=(const TextData&) = delete;
  TextData(TextData&& o) noexcept { *this = std::move(o); }
  TextData& operator=(TextData&& o) noexcept {
    if (this != &o) {
      unmap();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~TextData() { unmap(); }

  size_t size() const { return size_; }
  const unsigned char* data() const { return data_; }
  unsigned char operator[](size_t i) const { return data_[i]; }

  // Maps `path`; an empty file maps nothing (size() 0).
  static TextData map(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) fail("cannot open training data '%s': %s", path.c_str(), std::strerror(errno));
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      fail("cannot read training data '%s': %s", path.c_str(), std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      fail("training data '%s' is not a regular file", path.c_str());
    }
    TextData d;
    if (st.st_size > 0) {
      void* p = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        int err = errno;
        ::close(fd);
        fail("cannot map training data '%s': %s", path.c_str(), std::strerror(err));
      }
      ::madvise(p, size_t(st.st_size), MADV_SEQUENTIAL);
      d.data_ = static_cast<const unsigned char*>(p);
      d.size_ = size_t(st.st_size);
    }
    ::close(fd);  // the mapping stays valid
    return d;
  }

 private:
  void unmap() {
    if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
  }
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

// darknet aborts mid-run on a 0 byte (and reads only up to it); we refuse
// any byte the model cannot take, up front, with its offset (the check stops
// at the first bad byte, without touching the rest of the file).
inline TextData load_text_data(const std::string& path, int inputs, int time_steps) {
  TextData d = TextData::map(path);
  if (d.size() == 0) fail("%s: the training file is empty", path.c_str());
  if (d.size() < size_t(time_steps) + 1)
    fail("%s: %zu bytes is shorter than time_steps+1 = %d: a stream needs at least that much text", path.c_str(),
         d.size(), time_steps + 1);
  const unsigned char* t = d.data();
  for (size_t i = 0; i < d.size(); ++i) {
    int c = t[i];
    if (c == 0)
      fail("%s: byte %zu is 0 (NUL); darknet's trainer cannot take it: is this a binary file?", path.c_str(), i);
    if (c >= inputs) fail("%s: byte %zu is %d, but the model reads only bytes 0..%d", path.c_str(), i, c, inputs - 1);
  }
  ::madvise(const_cast<unsigned char*>(t), d.size(), MADV_NORMAL);  // training reads many streams, each in order
  return d;
}

}  // namespace rnnc
