;; The arithmetic of tfjs-backend-wasm's slow_batch_matmul (the path tfjs 4.22 takes for every
;; transposed or batched matmul), in 4 x 8 tiles with SIMD lanes across output columns.
;;
;; For every output (i, j): out = +0; per block of 48 along k: s = +0, s = s + a[i,k] * b[k,j]
;; in k order, then out = (out + s) + 0. Each lane runs exactly that sequence in f32 (wasm has no
;; fused multiply-add and SIMD lanes are IEEE), so every output is bit-identical to tfjs's; only
;; the order in which outputs are computed changes.
;;
;; The module runs in tfjs's own wasm memory (imported), so tensors are read and written where
;; tfjs keeps them; packA / packB lay operands out (transposed, zero-padded) in scratch memory.
;;
;; mm(a, b, out, batch, M, K, N, sAi, sAk, sAb): b is [batch][K][N], out is [batch][M][N], f32
;; row-major at byte offsets b, out; a[x][i][k] is the f32 at a + 4 * (x * sAb + i * sAi + k * sAk),
;; so A is read as stored, transposed or not. M is a multiple of 4 and N of 8 (callers pad).
;; Build: node operators/train/scripts/build-matmul-wasm.ts (writes matmul-wasm.ts).
(module
  (import "env" "memory" (memory 1))

  ;; dst [batch][Mp][K] from src [batch][M][K] (t = 0) or [batch][K][M] (t = 1); rows M..Mp zero.
  (func (export "packA")
    (param $src i32) (param $dst i32) (param $batch i32) (param $M i32) (param $K i32) (param $t i32) (param $Mp i32)
    (local $x i32) (local $i i32) (local $k i32) (local $s i32) (local $d i32)
    (local.set $x (i32.const 0))
    (loop $X
      (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (i32.mul (local.get $x) (local.get $M)) (local.get $K)) (i32.const 2))))
      (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (i32.mul (local.get $x) (local.get $Mp)) (local.get $K)) (i32.const 2))))
      (if (i32.eqz (local.get $t))
        (then (memory.copy (local.get $d) (local.get $s) (i32.shl (i32.mul (local.get $M) (local.get $K)) (i32.const 2))))
        (else
          (local.set $k (i32.const 0))
          (loop $Kl
            (local.set $i (i32.const 0))
            (loop $Il
              (f32.store
                (i32.add (local.get $d) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $K)) (local.get $k)) (i32.const 2)))
                (f32.load (i32.add (local.get $s) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $M)) (local.get $i)) (i32.const 2)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $Il (i32.lt_u (local.get $i) (local.get $M))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $Kl (i32.lt_u (local.get $k) (local.get $K))))))
      (memory.fill
        (i32.add (local.get $d) (i32.shl (i32.mul (local.get $M) (local.get $K)) (i32.const 2)))
        (i32.const 0)
        (i32.shl (i32.mul (i32.sub (local.get $Mp) (local.get $M)) (local.get $K)) (i32.const 2)))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br_if $X (i32.lt_u (local.get $x) (local.get $batch)))))

  ;; dst [batch][K][Np] from src [batch][K][N] (t = 0) or [batch][N][K] (t = 1); columns N..Np zero.
  (func (export "packB")
    (param $src i32) (param $dst i32) (param $batch i32) (param $K i32) (param $N i32) (param $t i32) (param $Np i32)
    (local $x i32) (local $j i32) (local $k i32) (local $s i32) (local $d i32) (local $row i32)
    (local.set $x (i32.const 0))
    (loop $X
      (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (i32.mul (local.get $x) (local.get $N)) (local.get $K)) (i32.const 2))))
      (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (i32.mul (local.get $x) (local.get $Np)) (local.get $K)) (i32.const 2))))
      (local.set $k (i32.const 0))
      (loop $Kl
        (local.set $row (i32.add (local.get $d) (i32.shl (i32.mul (local.get $k) (local.get $Np)) (i32.const 2))))
        (if (i32.eqz (local.get $t))
          (then (memory.copy (local.get $row)
            (i32.add (local.get $s) (i32.shl (i32.mul (local.get $k) (local.get $N)) (i32.const 2)))
            (i32.shl (local.get $N) (i32.const 2))))
          (else
            (local.set $j (i32.const 0))
            (loop $Jl
              (f32.store
                (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))
                (f32.load (i32.add (local.get $s) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $K)) (local.get $k)) (i32.const 2)))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $Jl (i32.lt_u (local.get $j) (local.get $N))))))
        (memory.fill
          (i32.add (local.get $row) (i32.shl (local.get $N) (i32.const 2)))
          (i32.const 0)
          (i32.shl (i32.sub (local.get $Np) (local.get $N)) (i32.const 2)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $Kl (i32.lt_u (local.get $k) (local.get $K))))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br_if $X (i32.lt_u (local.get $x) (local.get $batch)))))

  ;; dst [batch][M][N] from src [batch][Mp][Np] (drops the padding).
  (func (export "unpack")
    (param $src i32) (param $dst i32) (param $batch i32) (param $M i32) (param $N i32) (param $Mp i32) (param $Np i32)
    (local $x i32) (local $i i32)
    (local.set $x (i32.const 0))
    (loop $X
      (local.set $i (i32.const 0))
      (loop $Il
        (memory.copy
          (i32.add (local.get $dst) (i32.shl (i32.mul (i32.add (i32.mul (local.get $x) (local.get $M)) (local.get $i)) (local.get $N)) (i32.const 2)))
          (i32.add (local.get $src) (i32.shl (i32.mul (i32.add (i32.mul (local.get $x) (local.get $Mp)) (local.get $i)) (local.get $Np)) (i32.const 2)))
          (i32.shl (local.get $N) (i32.const 2)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $Il (i32.lt_u (local.get $i) (local.get $M))))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br_if $X (i32.lt_u (local.get $x) (local.get $batch)))))

  (func (export "mm")
    (param $a i32) (param $b i32) (param $o i32) (param $batch i32) (param $M i32) (param $K i32) (param $N i32)
    (param $sAi i32) (param $sAk i32) (param $sAb i32)
    (local $x i32) (local $i i32) (local $j i32) (local $k0 i32) (local $k i32) (local $kend i32)
    (local $ab i32) (local $bb i32) (local $ob i32)
    (local $rowA i32) (local $rowB i32)
    (local $pa0 i32) (local $pa1 i32) (local $pa2 i32) (local $pa3 i32) (local $pb i32) (local $po i32)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128) (local $zero v128)
    (local.set $zero (v128.const f32x4 0 0 0 0))
    (local.set $rowA (i32.shl (local.get $sAi) (i32.const 2)))
    (local.set $sAk (i32.shl (local.get $sAk) (i32.const 2)))
    (local.set $rowB (i32.shl (local.get $N) (i32.const 2)))
    (local.set $x (i32.const 0))
    (loop $X
      (local.set $ab (i32.add (local.get $a) (i32.shl (i32.mul (local.get $x) (local.get $sAb)) (i32.const 2))))
      (local.set $bb (i32.add (local.get $b) (i32.mul (i32.mul (local.get $x) (local.get $K)) (local.get $rowB))))
      (local.set $ob (i32.add (local.get $o) (i32.mul (i32.mul (local.get $x) (local.get $M)) (local.get $rowB))))
      (local.set $i (i32.const 0))
      (loop $I
        (local.set $j (i32.const 0))
        (loop $J
          ;; the tile's running outputs start at +0
          (local.set $po (i32.add (local.get $ob) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 2))))
          (v128.store (local.get $po) (local.get $zero))
          (v128.store offset=16 (local.get $po) (local.get $zero))
          (local.set $po (i32.add (local.get $po) (local.get $rowB)))
          (v128.store (local.get $po) (local.get $zero))
          (v128.store offset=16 (local.get $po) (local.get $zero))
          (local.set $po (i32.add (local.get $po) (local.get $rowB)))
          (v128.store (local.get $po) (local.get $zero))
          (v128.store offset=16 (local.get $po) (local.get $zero))
          (local.set $po (i32.add (local.get $po) (local.get $rowB)))
          (v128.store (local.get $po) (local.get $zero))
          (v128.store offset=16 (local.get $po) (local.get $zero))
          (local.set $k0 (i32.const 0))
          (loop $KB
            (local.set $kend (i32.add (local.get $k0) (i32.const 48)))
            (if (i32.gt_u (local.get $kend) (local.get $K)) (then (local.set $kend (local.get $K))))
            (local.set $s00 (local.get $zero)) (local.set $s01 (local.get $zero))
            (local.set $s10 (local.get $zero)) (local.set $s11 (local.get $zero))
            (local.set $s20 (local.get $zero)) (local.set $s21 (local.get $zero))
            (local.set $s30 (local.get $zero)) (local.set $s31 (local.get $zero))
            (local.set $pa0 (i32.add (local.get $ab) (i32.add (i32.mul (local.get $i) (local.get $rowA)) (i32.mul (local.get $k0) (local.get $sAk)))))
            (local.set $pa1 (i32.add (local.get $pa0) (local.get $rowA)))
            (local.set $pa2 (i32.add (local.get $pa1) (local.get $rowA)))
            (local.set $pa3 (i32.add (local.get $pa2) (local.get $rowA)))
            (local.set $pb (i32.add (local.get $bb) (i32.shl (i32.add (i32.mul (local.get $k0) (local.get $N)) (local.get $j)) (i32.const 2))))
            (local.set $k (local.get $k0))
            (loop $KK
              (local.set $b0 (v128.load (local.get $pb)))
              (local.set $b1 (v128.load offset=16 (local.get $pb)))
              (local.set $av (f32x4.splat (f32.load (local.get $pa0))))
              (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (f32x4.splat (f32.load (local.get $pa1))))
              (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (f32x4.splat (f32.load (local.get $pa2))))
              (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (f32x4.splat (f32.load (local.get $pa3))))
              (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $pa0 (i32.add (local.get $pa0) (local.get $sAk)))
              (local.set $pa1 (i32.add (local.get $pa1) (local.get $sAk)))
              (local.set $pa2 (i32.add (local.get $pa2) (local.get $sAk)))
              (local.set $pa3 (i32.add (local.get $pa3) (local.get $sAk)))
              (local.set $pb (i32.add (local.get $pb) (local.get $rowB)))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $KK (i32.lt_u (local.get $k) (local.get $kend))))
            ;; out = (out + s) + 0, as tfjs adds its (absent, zero) bias after each block
            (local.set $po (i32.add (local.get $ob) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 2))))
            (v128.store (local.get $po) (f32x4.add (f32x4.add (v128.load (local.get $po)) (local.get $s00)) (local.get $zero)))
            (v128.store offset=16 (local.get $po) (f32x4.add (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $s01)) (local.get $zero)))
            (local.set $po (i32.add (local.get $po) (local.get $rowB)))
            (v128.store (local.get $po) (f32x4.add (f32x4.add (v128.load (local.get $po)) (local.get $s10)) (local.get $zero)))
            (v128.store offset=16 (local.get $po) (f32x4.add (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $s11)) (local.get $zero)))
            (local.set $po (i32.add (local.get $po) (local.get $rowB)))
            (v128.store (local.get $po) (f32x4.add (f32x4.add (v128.load (local.get $po)) (local.get $s20)) (local.get $zero)))
            (v128.store offset=16 (local.get $po) (f32x4.add (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $s21)) (local.get $zero)))
            (local.set $po (i32.add (local.get $po) (local.get $rowB)))
            (v128.store (local.get $po) (f32x4.add (f32x4.add (v128.load (local.get $po)) (local.get $s30)) (local.get $zero)))
            (v128.store offset=16 (local.get $po) (f32x4.add (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $s31)) (local.get $zero)))
            (local.set $k0 (local.get $kend))
            (br_if $KB (i32.lt_u (local.get $k0) (local.get $K))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br_if $J (i32.lt_u (local.get $j) (local.get $N))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br_if $I (i32.lt_u (local.get $i) (local.get $M))))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br_if $X (i32.lt_u (local.get $x) (local.get $batch))))))
