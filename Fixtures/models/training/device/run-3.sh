#!/bin/bash
# Device run 3 (2026-11-27, second session with a device): continue run 1's teacher with 4x the batch, then redo the
# distillation and the slim decoder from it. Run from the repository root on a machine with one CUDA GPU, where
#   .gpu/work3.tgz      (the folder work3, tarred to fit the carry limit) holds run 1's data (data.npz, captions.json, caption_ids.pt, tokenizer/), run 2's refined
#                       full VAE (vae/, without its decoder_refined.json marker, so the decoder refines further), and
#                       init/teacher + init/text_encoder (run 1's teacher and text encoder, the starting point);
#   .gpu/whl            the diffusers wheel.
# OUT is where logs and checkpoints are written. Used for the shipped model as
#   BUDGET=540 TEACHER_MIN=3.75 bash Fixtures/models/training/device/run-3.sh
# Why 4x the batch: run 1 measured 10 iterations/s at batch 256 for a model this small -- kernel launches and
# Python, not arithmetic, bound an iteration -- so a larger batch buys more images per second almost for free.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
start_run work3
timeout ${BUDGET:-540} python3 train.py --device cuda --work /tmp/work --out /tmp/model --text-width 128 --text-layers 4 \
  --n-images 40000 --batch 1024 --lr 1.5e-3 --vae-batch 256 --distill-batch 512 --distill-lr 3e-4 --slim-latents 8192 \
  --teacher-init /tmp/work/init \
  --decoder-iters 100000 --decoder-minutes ${DEC_MIN:-0.5} \
  --teacher-iters 1000000 --teacher-minutes ${TEACHER_MIN:-3.75} \
  --distill-iters 100000 --distill-minutes ${DISTILL_MIN:-0.75} --slim-iters 100000 --slim-minutes ${SLIM_MIN:-1.4} 2>&1 \
  | quiet > $OUT/run3.log
echo "run ended after $(( $(date +%s) - T0 )) s"; tail -30 $OUT/run3.log
cd /tmp/work && cp stats.json $OUT/ 2>/dev/null; grep scaling vae/config.json
[ -d /tmp/model ] && tar czf $OUT/model.tgz -C /tmp model
for d in teacher text_encoder student16 student8 vae vae_slim; do [ -d $d ] && tar czf $OUT/$d.tgz $d; done
ls -la $OUT
