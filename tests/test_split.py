from sohoa.pipeline.split import page_documents, split_documents


def test_blank_pages_are_left_out_of_documents() -> None:
    assert split_documents([False, True, False]) == [[0, 2]]


def test_all_blank_dossier_has_no_document() -> None:
    assert split_documents([True, True]) == []


def test_blank_page_belongs_to_the_document_before_it() -> None:
    assert page_documents([True, False, True], [[1]]) == [None, 0, 0]
