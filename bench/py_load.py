# One measurement for bench/decode.ts, in its own process: load a pickle with CPython's C
# unpickler (find_class returns stub classes: nothing real is imported or run), or walk it with
# pickletools.genops. Prints JSON: wall seconds, CPU seconds, peak RSS (KiB).
# Run: python3 py_load.py unpickle|genops FILE
import json
import pickle
import pickletools
import resource
import sys
import time


class StubUnpickler(pickle.Unpickler):
    stubs = {}

    def find_class(self, module, name):
        key = (module, name)
        if key not in self.stubs:
            self.stubs[key] = type(str(name), (), {'__module__': str(module)})
        return self.stubs[key]


def main():
    mode, path = sys.argv[1], sys.argv[2]
    with open(path, 'rb') as f:
        data = f.read()
    c0 = time.process_time()
    t0 = time.perf_counter()
    if mode == 'unpickle':
        import io
        StubUnpickler(io.BytesIO(data), encoding='latin1').load()
    else:
        for _ in pickletools.genops(data):
            pass
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({'seconds': seconds, 'cpu': cpu, 'maxrss_kib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == '__main__':
    main()
