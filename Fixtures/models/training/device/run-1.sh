#!/bin/bash
# Run from the repository root on a machine with one CUDA GPU, where .gpu/work holds the data stage
# (python3 -c "import train, argparse, pathlib; train.stage_data(argparse.Namespace(n_images=40000, seed=1234), pathlib.Path('.gpu/work'))")
# and .gpu/whl the diffusers wheel; OUT is where logs and checkpoints are written. Used for the shipped model as
#   BUDGET=555 TEACHER_MIN=3.5 bash run-1.sh     (2026-11-27, one H200, 536 s)
# Device run: GPU smoke test of train.py, then the real training chain with time caps.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_wheel
nvidia-smi -L
python3 -c "import torch, diffusers, transformers; print('torch', torch.__version__, 'diffusers', diffusers.__version__, 'transformers', transformers.__version__, torch.cuda.is_available())" || exit 3
cd Fixtures/models/training
T0=$(date +%s)
timeout 150 python3 train.py --quick --device cuda --work /tmp/wq --text-width 128 --text-layers 4 > /tmp/quick.log 2>&1
rc=$?; echo "quick rc=$rc in $(( $(date +%s) - T0 )) s"; grep -v "Loading weights\|Writing model" /tmp/quick.log | tail -8
[ $rc = 0 ] || exit 4
cp -r $ROOT/.gpu/work /tmp/work
LEFT=$(( ${BUDGET:-560} - ($(date +%s) - T0) ))
echo "left for the real run: $LEFT s"
timeout $LEFT python3 train.py --device cuda --work /tmp/work --out /tmp/model --text-width 128 --text-layers 4 \
  --n-images 40000 --batch 256 --vae-batch 128 --distill-batch 128 --slim-latents 4096 \
  --vae-iters 100000 --vae-minutes 0.75 --decoder-iters 100000 --decoder-minutes 0.35 \
  --teacher-iters 1000000 --teacher-minutes ${TEACHER_MIN:-3.5} \
  --distill-iters 100000 --distill-minutes 0.6 --slim-iters 100000 --slim-minutes 0.6 2>&1 \
  | quiet > $OUT/run.log
echo "real run ended after $(( $(date +%s) - T0 )) s"; tail -25 $OUT/run.log
cd /tmp/work && cp stats.json $OUT/ 2>/dev/null
if [ -d /tmp/model ]; then tar czf $OUT/model.tgz -C /tmp model; KEEP="teacher vae"
else KEEP="teacher vae text_encoder vae_slim"; [ -d student8 ] && KEEP="$KEEP student8" || KEEP="$KEEP student16"; fi
for d in $KEEP; do [ -d $d ] && tar czf $OUT/$d.tgz $d; done
ls -la $OUT
