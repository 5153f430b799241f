"""Writes the .npy fixtures of runtime/tensor's tests with numpy itself (run with
Debian's python3-numpy: /usr/bin/python3 make_fixtures.py). Values are small
integers and halves so the expected values in npy_test.go are exact."""
import numpy as np
from numpy.lib import format as fmt

a = (np.arange(6, dtype=np.float32) - 2.5).reshape(2, 3)
np.save("f4_2x3.npy", a)
np.save("f8_4.npy", np.array([1.5, -2.0, 0.25, 1e300], dtype="<f8"))
np.save("f4_scalar.npy", np.float32(7.0))
np.save("f4_empty_0x3.npy", np.zeros((0, 3), dtype=np.float32))
with open("f4_v2_2x3.npy", "wb") as f:
    fmt.write_array(f, a, version=(2, 0))
np.save("f4_fortran.npy", np.asfortranarray(a))
np.save("f4_bigendian.npy", a.astype(">f4"))
np.save("i4.npy", np.arange(3, dtype="<i4"))
