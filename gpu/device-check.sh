#!/usr/bin/env bash
# Runs on the CUDA machine (see docs/GPU.md): builds DJL's PyTorch JNI bridge against the libtorch of the local
# PyTorch Python package, points DJL at it, and runs on the GPU the device-parameterised tests, a fixed-seed Deep
# Defense fine-tuning compared with the same run on the CPU, and the bench. Everything it measures goes to $OUT
# (or gpu/out). Needs gpu/bundle from gpu/prepare.sh. Each step logs and goes on, so one failure leaves the others'
# results.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle="$here/bundle"
out="${OUT:-$here/out}"
mkdir -p "$out"
exec > >(tee "$out/device-check.log") 2>&1
java="$bundle/java/bin/java"
step() { echo; echo "=== $* ($(date -u +%H:%M:%S))"; }

step "machine"
nvidia-smi || true
torch_dir="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
torch_version="$(python3 -c 'import torch; print(torch.__version__.split("+")[0])')"
cuda_flavor="cu$(python3 -c 'import torch; print(torch.version.cuda.replace(".", ""))')"
echo "torch $torch_version ($cuda_flavor) in $torch_dir"

step "build libdjl_torch.so against this libtorch"
native="$bundle/jni/engines/pytorch/pytorch-native"
build="$native/build"
mkdir -p "$build"
(
  cd "$build" &&
  JAVA_HOME="$bundle/java" cmake -G Ninja -DCMAKE_BUILD_TYPE=Release -DUSE_CUDA=1 \
      -DCMAKE_PREFIX_PATH="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')" \
      -DJAVA_HOME="$bundle/java" -DJAVA_INCLUDE_PATH="$bundle/java/include" \
      -DJAVA_INCLUDE_PATH2="$bundle/java/include/linux" -DJAVA_JVM_LIBRARY="$bundle/java/lib/server/libjvm.so" \
      -DUTILS_INCLUDE_DIR="$bundle/jni/api/src/main/native" .. &&
  ninja
) > "$out/jni-build.log" 2>&1
status=$?
echo "jni build exit $status (log: jni-build.log)"
tail -20 "$out/jni-build.log"
[[ $status -eq 0 ]] || exit 1

# DJL looks for the bridge next to libtorch first. The wheel's lib directory also holds Python-only libraries,
# which DJL must not load.
lib="$torch_dir/lib"
cp "$build/libdjl_torch.so" "$lib/0.36.0-libdjl_torch.so"
export PYTORCH_LIBRARY_PATH="$lib" PYTORCH_VERSION="$torch_version" PYTORCH_FLAVOR="$cuda_flavor"
export PYTORCH_LIBRARY_EXCLUSION="libtorch_python.so,libshm.so,libtorch_global_deps.so"
# TF32 matmuls and convolutions (cuDNN's default on Hopper) round to 10 mantissa bits: the gradient checks compare at
# 1e-4, so the checks and the CPU comparison run in full float32.
export NVIDIA_TF32_OVERRIDE=0
opts=(-Dai.djl.offline=true -Xmx16g)

step "JUnit: device choice, inverse networks and finite differences on CUDA, cross-device checkpoints"
"$java" "${opts[@]}" -jar "$bundle"/junit-platform-console-standalone-*.jar execute \
    --class-path "$(echo "$bundle"/lib/*.jar | tr ' ' ':')" \
    --select-class org.deepdefense.nn.DeviceChoiceTest --select-class org.deepdefense.nn.InverseNetworkTest \
    --select-class org.deepdefense.train.DeepDefenseGradientTest --select-class org.deepdefense.train.ModelCheckpointsTest \
    --select-class org.deepdefense.train.HostTransfersTest --reports-dir "$out/junit" --details=tree
echo "junit exit $?"

cli=("$java" "${opts[@]}" -jar "$bundle/deepdefense-cli.jar")
store="$out/store"
step "fixed-seed Deep Defense fine-tuning, CPU and GPU (generated data: the machine has no datasets)"
"${cli[@]}" train --run-id base --store "$store" --dataset generated --arch mlp --epochs 2 --lr 0.01 --seed 3 \
    --train-subset 5000 --device cpu
for device in cpu gpu; do
  "${cli[@]}" train --run-id "dd-$device" --store "$store" --dataset generated --arch mlp --method deepdefense \
      --from base/final --epochs 1 --seed 3 --train-subset 5000 --device "$device"
  python3 -c "import json,sys; m=json.load(open('$store/dd-$device/final/metadata.json')); print('$device', m.get('metrics'), m.get('device'))"
done | tee "$out/fine-tune-cpu-vs-gpu.txt"

step "bench: vanilla and Deep Defense steps, MLP and LeNet, batch 100 and 1000, GPU and CPU"
for arch in mlp lenet; do
  for batch in 100 1000; do
    for device in gpu cpu; do
      steps=$([[ $device == cpu && $arch == lenet ]] && echo 10 || echo 50)
      "${cli[@]}" bench --arch "$arch" --batch-size "$batch" --steps "$steps" --device "$device" --threads 16 \
          | tee -a "$out/bench.jsonl"
    done
  done
done
step "done"
