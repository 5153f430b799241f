package gemm

// layer is one GEMM of a network: C[m×n] = A[m×k]·B[k×n]; g is the
// convolution (zero for a fully connected layer).
type layer struct {
	name    string
	m, k, n int
	g       Conv
}

// googlenet lists the trunk GEMMs of torchvision's GoogLeNet at batch 1
// (checked against specs/googlenet_torchvision.inc by TestSpecLayers).
var googlenet = []layer{
	{"conv1.conv", 64, 147, 12544, Conv{3, 224, 224, 7, 7, 2, 2, [4]int{3, 3, 3, 3}}},
	{"conv2.conv", 64, 64, 3136, Conv{64, 56, 56, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"conv3.conv", 192, 576, 3136, Conv{64, 56, 56, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception3a.branch1.conv", 64, 192, 784, Conv{192, 28, 28, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception3a.branch2.0.conv", 96, 192, 784, Conv{192, 28, 28, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception3a.branch2.1.conv", 128, 864, 784, Conv{96, 28, 28, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception3a.branch3.0.conv", 16, 192, 784, Conv{192, 28, 28, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception3a.branch3.1.conv", 32, 144, 784, Conv{16, 28, 28, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception3a.branch4.1.conv", 32, 192, 784, Conv{192, 28, 28, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception3b.branch1.conv", 128, 256, 784, Conv{256, 28, 28, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception3b.branch2.0.conv", 128, 256, 784, Conv{256, 28, 28, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception3b.branch2.1.conv", 192, 1152, 784, Conv{128, 28, 28, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception3b.branch3.0.conv", 32, 256, 784, Conv{256, 28, 28, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception3b.branch3.1.conv", 96, 288, 784, Conv{32, 28, 28, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception3b.branch4.1.conv", 64, 256, 784, Conv{256, 28, 28, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4a.branch1.conv", 192, 480, 196, Conv{480, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4a.branch2.0.conv", 96, 480, 196, Conv{480, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4a.branch2.1.conv", 208, 864, 196, Conv{96, 14, 14, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception4a.branch3.0.conv", 16, 480, 196, Conv{480, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4a.branch3.1.conv", 48, 144, 196, Conv{16, 14, 14, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception4a.branch4.1.conv", 64, 480, 196, Conv{480, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4b.branch1.conv", 160, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4b.branch2.0.conv", 112, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4b.branch2.1.conv", 224, 1008, 196, Conv{112, 14, 14, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception4b.branch3.0.conv", 24, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4b.branch3.1.conv", 64, 216, 196, Conv{24, 14, 14, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception4b.branch4.1.conv", 64, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4c.branch1.conv", 128, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4c.branch2.0.conv", 128, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4c.branch2.1.conv", 256, 1152, 196, Conv{128, 14, 14, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception4c.branch3.0.conv", 24, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4c.branch3.1.conv", 64, 216, 196, Conv{24, 14, 14, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception4c.branch4.1.conv", 64, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4d.branch1.conv", 112, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4d.branch2.0.conv", 144, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4d.branch2.1.conv", 288, 1296, 196, Conv{144, 14, 14, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception4d.branch3.0.conv", 32, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4d.branch3.1.conv", 64, 288, 196, Conv{32, 14, 14, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception4d.branch4.1.conv", 64, 512, 196, Conv{512, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4e.branch1.conv", 256, 528, 196, Conv{528, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4e.branch2.0.conv", 160, 528, 196, Conv{528, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4e.branch2.1.conv", 320, 1440, 196, Conv{160, 14, 14, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception4e.branch3.0.conv", 32, 528, 196, Conv{528, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception4e.branch3.1.conv", 128, 288, 196, Conv{32, 14, 14, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception4e.branch4.1.conv", 128, 528, 196, Conv{528, 14, 14, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception5a.branch1.conv", 256, 832, 49, Conv{832, 7, 7, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception5a.branch2.0.conv", 160, 832, 49, Conv{832, 7, 7, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception5a.branch2.1.conv", 320, 1440, 49, Conv{160, 7, 7, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception5a.branch3.0.conv", 32, 832, 49, Conv{832, 7, 7, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception5a.branch3.1.conv", 128, 288, 49, Conv{32, 7, 7, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception5a.branch4.1.conv", 128, 832, 49, Conv{832, 7, 7, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception5b.branch1.conv", 384, 832, 49, Conv{832, 7, 7, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception5b.branch2.0.conv", 192, 832, 49, Conv{832, 7, 7, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception5b.branch2.1.conv", 384, 1728, 49, Conv{192, 7, 7, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception5b.branch3.0.conv", 48, 832, 49, Conv{832, 7, 7, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{"inception5b.branch3.1.conv", 128, 432, 49, Conv{48, 7, 7, 3, 3, 1, 1, [4]int{1, 1, 1, 1}}},
	{"inception5b.branch4.1.conv", 128, 832, 49, Conv{832, 7, 7, 1, 1, 1, 1, [4]int{0, 0, 0, 0}}},
	{name: "fc", m: 1000, k: 1024, n: 1},
}
