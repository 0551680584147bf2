#!/usr/bin/env bash
# Prepares gpu/bundle/ (git-ignored), everything device-check.sh needs on a CUDA machine that has no Java and no
# network: a jlink-made Java runtime with the JNI headers, the application and test jars without the CPU native
# jar, the JUnit console launcher, and the source of DJL's PyTorch JNI bridge with its headers generated here.
#
#   gpu/prepare.sh [DJL_SOURCE]     DJL_SOURCE: a DJL git checkout or mirror (default: clone from GitHub)
#
# Then, on the device: bash gpu/device-check.sh (writes its results under $OUT, or gpu/out).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bundle="$here/bundle"
djl_version=0.36.0
djl_source="${1:-${DJL_SOURCE:-}}"

rm -rf "$bundle"
mkdir -p "$bundle/lib" "$bundle/jni"

# 1. The engine and its tests as jars; the test classpath without pytorch-native-cpu (a CPU native jar on the
#    classpath makes DJL use the CPU even on a GPU node) and without ONNX Runtime (130 MB, for the export tests only).
(cd "$root" && mvn -q -B -pl shared -am package -DskipTests)
(cd "$root/shared" && mvn -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$bundle/cp.txt")
tr ':' '\n' < "$bundle/cp.txt" | grep -v -e pytorch-native-cpu -e onnxruntime -e '/junit-' -e '/opentest4j' -e '/apiguardian' \
    -e '/junit-platform' | while read -r jar; do cp "$jar" "$bundle/lib/"; done
cp "$root"/shared/target/deepdefense-shared-*.jar "$bundle/lib/"
(cd "$root/shared/target/test-classes" && jar cf "$bundle/lib/deepdefense-shared-tests.jar" .)
# The JUnit console launcher runs the device-parameterised tests there (the junit-jupiter jars come with it).
launcher_version=1.11.4
(cd "$root" && mvn -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$launcher_version \
    -DoutputDirectory="$bundle")
# The command line, for the CPU-vs-GPU fine-tuning and the bench.
(cd "$root" && mvn -q -B -DskipTests -Ddeepdefense.cli-only package -pl cli -am)
cp "$root/cli/target/deepdefense-cli.jar" "$bundle/"

# 2. A Java runtime with the modules the jars use, and the JNI headers the bridge compiles against.
modules=java.base,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.crypto.ec
jlink --add-modules "$modules" --strip-debug --no-man-pages --compress=2 --output "$bundle/java"
jdk_home="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
cp -r "$jdk_home/include" "$bundle/java/include"

# 3. DJL's PyTorch JNI bridge at the version the engine jar expects, with PyTorchLibrary's JNI header made here
#    (the device has no javac).
work="$(mktemp -d)"
if [[ -z "$djl_source" ]]; then
  git clone --quiet --depth 1 --branch "v$djl_version" https://github.com/deepjavalibrary/djl "$work/djl"
  djl_source="$work/djl"
fi
for path in engines/pytorch/pytorch-native/CMakeLists.txt engines/pytorch/pytorch-native/src/main/native \
    engines/pytorch/pytorch-native/src/main/patch api/src/main/native/djl \
    engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java; do
  git -C "$djl_source" archive "v$djl_version" "$path" | tar -x -C "$bundle/jni"
done
javac -h "$bundle/jni/engines/pytorch/pytorch-native/build/include" -d "$work/classes" \
    -cp "$bundle/lib/*" \
    "$bundle/jni/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
rm -rf "$work"
du -sh "$bundle"
echo "bundle ready: $(du -sm "$bundle" | cut -f1) MiB (the device tool carries at most 64)"
