#include "runner/network/packet_filter.hpp"

#include <linux/filter.h>

#include <optional>
#include <set>

#include "util/error.hpp"

namespace ig::runner::network {
namespace {

// Registers (file comment of packet_filter.hpp): A and X of the classic machine, two
// temporaries, the packet bounds, the frame pointer.
constexpr uint8_t kA = BPF_REG_0, kX = BPF_REG_1, kTmp = BPF_REG_2, kTmp2 = BPF_REG_3;
constexpr uint8_t kData = BPF_REG_4, kDataEnd = BPF_REG_5, kCtx = BPF_REG_1;
// M[0..15] below the frame pointer, and skb->len saved before X takes r1.
constexpr int16_t kScratch = -64, kLenSlot = -72;
constexpr int32_t kMaxPacketOffset = 0xffff;

constexpr struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  return {code, dst, src, off, imm};
}

// Where a jump goes before offsets are known.
struct Target {
  enum Kind { Classic, Reject, Epilogue } kind;
  size_t index = 0;  // Classic: instruction of the classic program
};

class Translator {
 public:
  explicit Translator(const std::vector<ClassicInsn>& program) : program_(program) {}

  std::vector<struct bpf_insn> run() {
    prologue();
    for (size_t i = 0; i < program_.size(); ++i) {
      starts_.push_back(out_.size());
      translate(i, program_[i]);
    }
    starts_.push_back(out_.size());
    if (rejects_) {
      reject_at_ = out_.size();
      emit(insn(BPF_ALU | BPF_MOV | BPF_K, kA, 0, 0, 0));
    } else {
      reject_at_ = out_.size();
    }
    epilogue_at_ = out_.size();
    epilogue();
    resolve();
    return out_;
  }

 private:
  void emit(struct bpf_insn i) { out_.push_back(i); }
  void jump(uint8_t code, uint8_t dst, uint8_t src, int32_t imm, Target to) {
    if (to.kind == Target::Reject) rejects_ = true;
    fixups_.push_back({out_.size(), to});
    emit(insn(code, dst, src, 0, imm));
  }
  void reject_unless_within(uint8_t end_reg) {
    jump(BPF_JMP | BPF_JGT | BPF_X, end_reg, kDataEnd, 0, {Target::Reject});
  }

  void prologue() {
    std::set<uint32_t> read_slots;
    bool reads_len = false;
    for (const auto& c : program_) {
      const uint16_t cls = BPF_CLASS(c.code);
      if ((cls == BPF_LD || cls == BPF_LDX) && BPF_MODE(c.code) == BPF_MEM) read_slots.insert(c.k);
      if ((cls == BPF_LD || cls == BPF_LDX) && BPF_MODE(c.code) == BPF_LEN) reads_len = true;
    }
    if (reads_len) {
      emit(insn(BPF_LDX | BPF_MEM | BPF_W, kTmp, kCtx, offsetof(struct __sk_buff, len), 0));
      emit(insn(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, kTmp, kLenSlot, 0));
    }
    // The classic machine starts with A = X = 0; its checker guarantees M[k] is stored before it
    // is read, the eBPF verifier wants to see it.
    emit(insn(BPF_ALU | BPF_MOV | BPF_K, kA, 0, 0, 0));
    emit(insn(BPF_ALU | BPF_MOV | BPF_K, kX, 0, 0, 0));
    for (uint32_t slot : read_slots) {
      if (slot >= BPF_MEMWORDS) throw bad(slot, "scratch memory slot out of range");
      emit(insn(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, scratch(slot), 0));
    }
  }

  void epilogue() {
    emit(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 0));
    emit(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 0));
    emit(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 0));
    emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, kData, kA, 0, 0));
    emit(insn(BPF_ALU64 | BPF_MOV | BPF_K, kDataEnd, 0, 0, 0));
  }

  static int16_t scratch(uint32_t slot) { return static_cast<int16_t>(kScratch + 4 * slot); }
  static Error bad(size_t value, const std::string& what) {
    return Error(ErrorCode::InvalidArgument,
                 "packet filter: " + what + " (" + std::to_string(value) + ")");
  }

  // dst = the packet's big-endian value of `size` bytes at offset k (ABS) or X + k (IND).
  void load_packet(uint8_t dst, uint16_t mode, uint32_t size_code, uint32_t k) {
    const int32_t size = size_code == BPF_B ? 1 : size_code == BPF_H ? 2 : 4;
    if (k > static_cast<uint32_t>(kMaxPacketOffset - size)) {
      if (k >= static_cast<uint32_t>(SKF_LL_OFF)) throw bad(k, "Linux ancillary loads are not supported");
      jump(BPF_JMP | BPF_JA, 0, 0, 0, {Target::Reject});  // beyond any frame
      return;
    }
    if (mode == BPF_ABS) {
      emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, kTmp, kData, 0, 0));
      emit(insn(BPF_ALU64 | BPF_ADD | BPF_K, kTmp, 0, 0, static_cast<int32_t>(k)));
    } else {
      // The offset is bounded first: the verifier only adds bounded scalars to packet pointers.
      emit(insn(BPF_ALU | BPF_MOV | BPF_X, kTmp2, kX, 0, 0));
      emit(insn(BPF_ALU | BPF_ADD | BPF_K, kTmp2, 0, 0, static_cast<int32_t>(k)));
      jump(BPF_JMP | BPF_JGT | BPF_K, kTmp2, 0, kMaxPacketOffset - size, {Target::Reject});
      emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, kTmp, kData, 0, 0));
      emit(insn(BPF_ALU64 | BPF_ADD | BPF_X, kTmp, kTmp2, 0, 0));
    }
    emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, kTmp2, kTmp, 0, 0));
    emit(insn(BPF_ALU64 | BPF_ADD | BPF_K, kTmp2, 0, 0, size));
    reject_unless_within(kTmp2);
    emit(insn(BPF_LDX | BPF_MEM | size_code, dst, kTmp, 0, 0));
    if (size > 1) emit(insn(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, size * 8));
  }

  void translate(size_t i, const ClassicInsn& c) {
    switch (BPF_CLASS(c.code)) {
      case BPF_LD:
      case BPF_LDX:
        return translate_load(c);
      case BPF_ST:
      case BPF_STX:
        if (c.k >= BPF_MEMWORDS) throw bad(c.k, "scratch memory slot out of range");
        emit(insn(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_CLASS(c.code) == BPF_ST ? kA : kX,
                  scratch(c.k), 0));
        return;
      case BPF_ALU:
        return translate_alu(c);
      case BPF_JMP:
        return translate_jump(i, c);
      case BPF_RET:
        if (BPF_RVAL(c.code) == BPF_K) {
          emit(insn(BPF_ALU | BPF_MOV | BPF_K, kA, 0, 0, static_cast<int32_t>(c.k)));
        } else if (BPF_RVAL(c.code) == BPF_X) {
          emit(insn(BPF_ALU | BPF_MOV | BPF_X, kA, kX, 0, 0));
        }
        jump(BPF_JMP | BPF_JA, 0, 0, 0, {Target::Epilogue});
        return;
      case BPF_MISC:
        if (BPF_MISCOP(c.code) == BPF_TAX) {
          emit(insn(BPF_ALU | BPF_MOV | BPF_X, kX, kA, 0, 0));
        } else {
          emit(insn(BPF_ALU | BPF_MOV | BPF_X, kA, kX, 0, 0));
        }
        return;
    }
    throw bad(c.code, "unknown instruction");
  }

  void translate_load(const ClassicInsn& c) {
    const uint8_t dst = BPF_CLASS(c.code) == BPF_LD ? kA : kX;
    switch (BPF_MODE(c.code)) {
      case BPF_IMM:
        emit(insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, static_cast<int32_t>(c.k)));
        return;
      case BPF_MEM:
        if (c.k >= BPF_MEMWORDS) throw bad(c.k, "scratch memory slot out of range");
        emit(insn(BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_10, scratch(c.k), 0));
        return;
      case BPF_LEN:
        emit(insn(BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_10, kLenSlot, 0));
        return;
      case BPF_ABS:
      case BPF_IND:
        if (dst != kA) break;
        return load_packet(kA, BPF_MODE(c.code), BPF_SIZE(c.code), c.k);
      case BPF_MSH:  // X = 4 * (P[k] & 0xf), the IPv4 header length
        if (dst != kX) break;
        load_packet(kX, BPF_ABS, BPF_B, c.k);
        emit(insn(BPF_ALU | BPF_AND | BPF_K, kX, 0, 0, 0xf));
        emit(insn(BPF_ALU | BPF_LSH | BPF_K, kX, 0, 0, 2));
        return;
    }
    throw bad(c.code, "unknown load");
  }

  void translate_alu(const ClassicInsn& c) {
    const uint8_t op = BPF_OP(c.code);
    if (op == BPF_NEG) {
      emit(insn(BPF_ALU | BPF_NEG, kA, 0, 0, 0));
      return;
    }
    if (op == BPF_DIV || op == BPF_MOD) {
      // The classic machine returns 0 on a division by zero; eBPF would yield 0 and go on.
      if (BPF_SRC(c.code) == BPF_X) {
        jump(BPF_JMP32 | BPF_JEQ | BPF_K, kX, 0, 0, {Target::Reject});
      } else if (c.k == 0) {
        jump(BPF_JMP | BPF_JA, 0, 0, 0, {Target::Reject});
        return;
      }
    }
    emit(insn(BPF_ALU | op | BPF_SRC(c.code), kA, BPF_SRC(c.code) == BPF_X ? kX : 0, 0,
              BPF_SRC(c.code) == BPF_X ? 0 : static_cast<int32_t>(c.k)));
  }

  void translate_jump(size_t i, const ClassicInsn& c) {
    const uint8_t op = BPF_OP(c.code);
    if (op == BPF_JA) {
      jump(BPF_JMP | BPF_JA, 0, 0, 0, {Target::Classic, i + 1 + c.k});
      return;
    }
    // Classic comparisons are unsigned 32-bit: JMP32 compares the low halves without sign
    // extension of the immediate.
    const bool by_x = BPF_SRC(c.code) == BPF_X;
    jump(BPF_JMP32 | op | BPF_SRC(c.code), kA, by_x ? kX : 0,
         by_x ? 0 : static_cast<int32_t>(c.k), {Target::Classic, i + 1 + c.jt});
    if (c.jf != 0) jump(BPF_JMP | BPF_JA, 0, 0, 0, {Target::Classic, i + 1 + c.jf});
  }

  void resolve() {
    for (const auto& [at, to] : fixups_) {
      size_t target = to.kind == Target::Reject     ? reject_at_
                      : to.kind == Target::Epilogue ? epilogue_at_
                                                    : 0;
      if (to.kind == Target::Classic) {
        if (to.index >= program_.size()) throw bad(to.index, "jump past the end");
        target = starts_[to.index];
      }
      const auto offset = static_cast<int64_t>(target) - static_cast<int64_t>(at) - 1;
      if (offset < INT16_MIN || offset > INT16_MAX) throw bad(program_.size(), "program too long");
      out_[at].off = static_cast<int16_t>(offset);
    }
  }

  const std::vector<ClassicInsn>& program_;
  std::vector<struct bpf_insn> out_;
  std::vector<size_t> starts_;  // eBPF index of each classic instruction
  std::vector<std::pair<size_t, Target>> fixups_;
  bool rejects_ = false;
  size_t reject_at_ = 0, epilogue_at_ = 0;
};

}  // namespace

std::vector<struct bpf_insn> classic_to_ebpf(const std::vector<ClassicInsn>& program) {
  if (program.empty()) throw Error(ErrorCode::InvalidArgument, "packet filter: empty program");
  return Translator(program).run();
}

std::vector<struct bpf_insn> compile_packet_filter(const std::string& expression) {
  return classic_to_ebpf(compile_pcap(expression));
}

}  // namespace ig::runner::network
