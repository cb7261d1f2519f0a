"""Smoke test of the ldamlab GoNB kernel with Debian's python3-jupyter-kernel-test.

GoNB reports a runtime panic as status "ok" and a build error with two output messages where
the harness expects one, so test_error is replaced by a build-error check of our own; the
completion, inspection and history samples are left empty (those tests skip).
"""
import unittest

import jupyter_kernel_test


class LDAMLabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "ldamlab"
    language_name = "go"
    file_extension = ".go"
    code_hello_world = '%%\nfmt.Println("hello, world")'
    code_stderr = '%%\nfmt.Fprintln(os.Stderr, "some error")'
    code_display_data = [
        {"code": 'import (\n\t"github.com/ldamlab/ldamlab/lab"\n\t"github.com/ldamlab/ldamlab/tables"\n)\n\n%%\nlab.ShowTable(tables.Table{Header: []string{"a"}, Rows: [][]string{{"1"}}})', "mime": "text/markdown"},
    ]
    completion_samples = []
    complete_code_samples = []
    incomplete_code_samples = []
    code_execute_result = []
    code_history_pattern = ""
    code_page_something = ""
    code_inspect_sample = ""

    def test_error(self):
        self.flush_channels()
        reply, output_msgs = self.execute_helper('%%\nundefinedFunction()')
        self.assertEqual(reply["content"]["status"], "error")
        self.assertTrue(any(m["msg_type"] == "error" for m in output_msgs))

    def test_ldamlab_import(self):
        self.flush_channels()
        reply, output_msgs = self.execute_helper(
            'import "github.com/ldamlab/ldamlab/ldam/losses"\n\n%%\nfmt.Println(losses.DefaultScale)')
        self.assertEqual(reply["content"]["status"], "ok")
        text = "".join(m["content"].get("text", "") for m in output_msgs if m["msg_type"] == "stream")
        self.assertIn("30", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
