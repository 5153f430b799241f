package dsl_test

import (
	"fmt"
	"os"

	"github.com/inccdev/incc/dsl"
)

func ExampleParse() {
	src := []byte(`network tiny {
    input 3x32x32
    conv1: conv 3x3 16 pad 1 relu
    head: { avgpool 32x32; fc 10 }
}
`)
	f, err := dsl.Parse("tiny.inc", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	n := f.Decls[0].Network
	fmt.Println("network", n.Name.Name)
	for _, s := range n.Body.Stmts {
		switch {
		case s.Layer != nil:
			fmt.Printf("%d:%d: layer %s with %d arguments\n", s.Pos.Line, s.Pos.Column, s.Layer.Kind.Name, len(s.Layer.Args))
		case s.Group != nil:
			fmt.Printf("%d:%d: group %s of %d statements\n", s.Pos.Line, s.Pos.Column, s.Label.Name(), len(s.Group.Stmts))
		}
	}
	// Output:
	// network tiny
	// 2:5: layer input with 1 arguments
	// 3:5: layer conv with 5 arguments
	// 4:5: group head of 2 statements
}

func ExampleFormat() {
	src := []byte(`# A tiny network.
network tiny{
	input 3x32x32


	conv1:conv 3x3 16 pad (3-1)/2 relu # keeps the size
	head:{avgpool 32x32;fc 10}
}`)
	f, err := dsl.Parse("tiny.inc", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(dsl.Format(f))
	// Output:
	// # A tiny network.
	// network tiny {
	//     input 3x32x32
	//
	//     conv1: conv 3x3 16 pad (3 - 1) / 2 relu  # keeps the size
	//     head: { avgpool 32x32; fc 10 }
	// }
}

func ExamplePrint() {
	src := []byte("network tiny {\n    conv1: conv 3x3 16 pad 1 relu,\n}\n")
	_, err := dsl.Parse("tiny.inc", src)
	dsl.Print(os.Stdout, err, map[string][]byte{"tiny.inc": src})
	// Output:
	// tiny.inc:2:34: unexpected token "," (expected newline, ";" or "}")
	//     2 |     conv1: conv 3x3 16 pad 1 relu,
	//       |                                  ^
}
