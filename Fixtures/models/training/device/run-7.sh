#!/bin/bash
# Device run 7 (2026-11-28, fourth session with a device). Runs 1-6's work folders (the teacher, the full VAE) were
# lost with the machine that held them; only the shipped model survived. So this run starts from the shipped model:
#   1. slim encoder round-trip tuning (--encoder-tune-minutes): the shipped slim encoder, distilled briefly from the
#      lost full encoder, rounds off small stars (held-out round trip through the slim decoder: 88% single-object,
#      against 95% from the full encoder); it trains to make the frozen slim decoder reproduce the training images,
#      anchored to its starting latents;
#   2. its latents become the training latents (--vae-from-slim), at the shipped scaling_factor (--keep-scaling);
#   3. the teacher continues from the shipped 8-step student and text encoder (--teacher-init), plain v loss, batch
#      4,096: a few hundred iterations turn the distilled weights back into a teacher, the rest trains it further;
#   4. both distillation rounds again; the export keeps the slim decoder (vae_slim/ exists: no slim stage);
#   5. meanwhile, in a second process on the same GPU, a full-size decoder (16, 32, 64) is trained from scratch on
#      the same latents (encoder frozen: the stored posteriors), edge-weighted: the "full decoder" of the table.
# Expects, from the repository root on a machine with one CUDA GPU,
#   .gpu/work7.tgz  the folder work7: the data stage of train.py (data.npz, captions.json, caption_ids.pt,
#                   tokenizer/), vae_slim/ (the shipped vae/), init/teacher and init/text_encoder (the shipped unet/
#                   and text_encoder/);
#   .gpu/whl        the diffusers wheel.
# Used as
#   BUDGET=500 bash Fixtures/models/training/device/run-7.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
start_run work7
COMMON="--device cuda --work /tmp/work --out /tmp/model --text-width 128 --text-layers 4 --n-images 40000 \
  --slim-channels 12,24,48 --vae-from-slim --keep-scaling --vae-batch 512 --decoder-edge-weight 4"
timeout 150 python3 train.py $COMMON --encoder-tune-minutes ${TUNE_MIN:-1.0} --encoder-tune-lr 1e-3 \
  --encoder-anchor 0.05 --stop-after latents 2>&1 | quiet > $OUT/run7-latents.log
grep -v "it/s" $OUT/run7-latents.log | tail -4
# The full-size decoder, in the background: its own work folder sharing the data and the latents.
mkdir -p /tmp/workb && for f in data.npz captions.json caption_ids.pt tokenizer latents.pt; do ln -s /tmp/work/$f /tmp/workb/$f; done
python3 -c "import train; train.AutoencoderKL(**train.vae_config(slim=False), scaling_factor=0.7108495831489563).save_pretrained('/tmp/workb/vae')"
timeout $(( ${BUDGET:-500} - ($(date +%s) - T0) - 40 )) python3 train.py --device cuda --work /tmp/workb --n-images 40000 \
  --vae-batch 256 --decoder-iters 1000000 --decoder-minutes ${DEC_MIN:-5.0} --decoder-edge-weight 4 \
  --stop-after vae-decoder 2>&1 | quiet > $OUT/run7-full-decoder.log &
timeout $(( ${BUDGET:-500} - ($(date +%s) - T0) - 25 )) python3 train.py $COMMON \
  --batch 4096 --lr 1e-3 --teacher-init /tmp/work/init --teacher-iters 1000000 --teacher-minutes ${TEACHER_MIN:-4.0} \
  --distill-batch 512 --distill-lr 3e-4 --distill-iters 100000 --distill-minutes ${DISTILL_MIN:-0.7} 2>&1 \
  | quiet > $OUT/run7.log
wait
echo "run ended after $(( $(date +%s) - T0 )) s"; grep -v "it/s" $OUT/run7.log | tail -12
grep "it/s" $OUT/run7.log | awk 'NR%8==0' | tail -8; grep -v "it/s" $OUT/run7-full-decoder.log | tail -3
cp /tmp/work/stats.json $OUT/stats.json; cp /tmp/workb/stats.json $OUT/stats-full-decoder.json
[ -d /tmp/model ] && tar czf $OUT/model.tgz -C /tmp model
cd /tmp/work && for d in teacher text_encoder student8 student16 vae_slim; do [ -d $d ] && tar czf $OUT/$d.tgz $d; done
tar czf $OUT/vae_full.tgz -C /tmp/workb vae
ls -la $OUT
