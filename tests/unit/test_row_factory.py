from chat_service.infra.cassandra import named_rows


def test_rows_read_by_column_name_with_lwt_brackets_stripped() -> None:
    rows = named_rows(["[applied]", "conversation_id"], [(False, 7), (True, 8)])
    assert [(row.applied, row.conversation_id) for row in rows] == [(False, 7), (True, 8)]


def test_one_row_class_serves_every_result_with_the_same_columns() -> None:
    first = named_rows(["bucket", "messages"], [(1, 2)])
    second = named_rows(["bucket", "messages"], [(3, 4)])
    assert type(first[0]) is type(second[0])
    assert type(named_rows(["bucket"], [(1,)])[0]) is not type(first[0])
